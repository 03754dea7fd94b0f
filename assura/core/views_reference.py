"""The wilayas reference page: every administrator reads the list; the platform's operator
(a superuser) corrects a name or (de)activates a wilaya. See assura/core/wilayas.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from assura.core.models import Wilaya
from assura.core.views import WorkspaceMixin, apply_validation_error
from assura.core.wilayas import may_edit_wilayas, wilaya_update


class WilayaForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=80)
    name_ar = forms.CharField(label=gettext_lazy("Nom en arabe"), max_length=80, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Proposée dans les formulaires"), required=False)


class WilayaListView(WorkspaceMixin, generic.TemplateView):
    template_name = "core/wilayas.html"
    required_action = "workspace.manage"
    page_title = gettext_lazy("Wilayas")

    def get_context_data(self, **kwargs):
        from assura.customers.models import Contact

        ctx = super().get_context_data(**kwargs)
        used = dict(Contact.objects.filter(organization_id=self.request.user.organization_id)
                    .values("wilaya_id").annotate(n=Count("id")).values_list("wilaya_id", "n"))
        ctx["wilayas"] = [(w, used.get(w.code, 0)) for w in Wilaya.objects.order_by("code")]
        ctx["can_edit"] = may_edit_wilayas(self.request.user)
        return ctx


class WilayaEditView(WorkspaceMixin, generic.FormView):
    template_name = "core/form.html"
    required_action = "workspace.manage"
    form_class = WilayaForm

    def dispatch(self, request, *args, **kwargs):
        self.wilaya = get_object_or_404(Wilaya, code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_required_action(self):
        if self.request.user.is_authenticated and not may_edit_wilayas(self.request.user):
            raise PermissionDenied
        return super().get_required_action()

    def get_initial(self):
        return {"name": self.wilaya.name, "name_ar": self.wilaya.name_ar, "is_active": self.wilaya.is_active}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page_title"] = _("Wilaya %(code)s") % {"code": self.wilaya.code}
        ctx["cancel_url"] = "/reference/wilayas/"
        return ctx

    def form_valid(self, form):
        try:
            wilaya_update(actor=self.request.user, wilaya=self.wilaya, request=self.request, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Wilaya %(name)s enregistrée.") % {"name": self.wilaya})
        return redirect("core:wilaya_list")
