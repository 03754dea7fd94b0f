"""Attachment pages: add a file to a record, download it, delete it.

Every route reads the record back through `Model.objects.visible_to(user)`: a file of
another company, or on a record the user may not see, is a 404. Files are only ever
served by `AttachmentDownloadView`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core import attachments
from assura.core.models import Attachment
from assura.core.views import TenantActionView, TenantObjectMixin, WorkspaceMixin


class AttachmentForm(forms.Form):
    record = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("Fichier"), widget=forms.ClearableFileInput(attrs={"accept": attachments.ACCEPT}),
                           error_messages={"required": _("Choisissez un fichier.")})


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return fallback


class AttachmentAddView(WorkspaceMixin, generic.View):
    """POST a file for the record named by the form ("app.model:pk")."""

    required_action = "files.attach"
    http_method_names = ["post"]

    def post(self, request):
        record = attachments.record_get(user=request.user, reference=request.POST.get("record", ""))
        form = AttachmentForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            try:
                attachment = attachments.attachment_add(actor=request.user, record=record,
                                                        file=form.cleaned_data["file"], request=request)
            except ValidationError as exc:
                errors = exc.messages
        else:
            errors = [e for field_errors in form.errors.values() for e in field_errors]
        if getattr(request, "htmx", False):
            ctx = attachments_panel_context(request, record, errors=errors)
            return TemplateResponse(request, "core/attachments/_panel.html", ctx)  # htmx swaps 200s only
        for error in errors:
            messages.error(request, error)
        if not errors:
            messages.success(request, _("Fichier « %(name)s » ajouté.") % {"name": attachment.name})
        return HttpResponseRedirect(_safe_next(request, record.get_absolute_url()))


class AttachmentObjectMixin(TenantObjectMixin):
    model = Attachment

    def get_object(self, queryset=None):
        return attachments.attachment_get(user=self.request.user, pk=self.kwargs["pk"])


class AttachmentDownloadView(AttachmentObjectMixin, generic.View):
    """The file, for whoever may see its record; with its original name."""

    def get(self, request, pk):
        attachment = self.get_object()
        return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=attachment.mime_type)


class AttachmentDeleteView(AttachmentObjectMixin, TenantActionView):
    service = attachments.attachment_delete
    service_object_arg = "attachment"
    success_message = _("Fichier supprimé.")

    def get_success_url(self, obj):
        record = attachments.record_get(user=self.request.user, content_type=obj.content_type,
                                        object_id=obj.object_id)
        return _safe_next(self.request, record.get_absolute_url())


def attachments_panel_context(request, record, *, errors=None) -> dict:
    from assura.core.permissions import user_can

    user = request.user
    items = list(attachments.attachments_for(user, record))
    return {
        "record": record,
        "record_ref": attachments.record_reference(record),
        "items": [(a, attachments.attachment_can_delete(user, a)) for a in items],
        "can_attach": user_can(user, "files.attach"),
        "accept": attachments.ACCEPT,
        "max_mb": attachments.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "errors": errors or [],
        "next": request.get_full_path() if request.method == "GET" else request.POST.get("next", ""),
        "request": request,
    }
