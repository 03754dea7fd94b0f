"""Pages of "Gestion des données": import a spreadsheet (upload → mapping → check → confirm →
import → summary) and export a list. The work happens in assura.core.imports /
assura.core.exports_lists; these views parse, call and render."""

from __future__ import annotations

from itertools import islice

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from assura.core import imports as engine
from assura.core.exports_lists import export_enqueue
from assura.core.models import Job
from assura.core.spreadsheets import MAX_BYTES, SpreadsheetError, column_letter
from assura.core.views import TenantDetailView, TenantObjectMixin, WorkspaceMixin

UPLOAD_SALT = "assura.data.import.upload"
UPLOAD_MAX_AGE = 24 * 3600
IMPORT_KINDS = (engine.CHECK_KIND, engine.IMPORT_KIND)
PREVIEW_ROWS = 3


def too_large_message() -> str:
    return _("Le fichier dépasse la limite de %(max)s Mo : découpez-le en plusieurs fichiers.") % {
        "max": MAX_BYTES // (1024 * 1024)}


def request_too_large(request) -> bool:
    """Judged from the Content-Length header, before Django reads (and stores) the body."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_BYTES + 64 * 1024  # room for the other fields and the multipart framing


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload (sent without Content-Length) as soon as it passes the limit."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_BYTES:
            self.request._import_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload_size(request) -> None:
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))


# --- Upload ------------------------------------------------------------------------------------------

def kind_choices():
    return [(kind, spec.label) for kind, spec in engine.import_specs().items()]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Que contient le fichier ?"), choices=kind_choices)
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy("Excel (.xlsx) ou CSV (séparateur virgule, point-virgule ou tabulation), 20 Mo au plus. "
                               "La première ligne donne le nom des colonnes."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt,text/csv,application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet"}),
    )


def upload_token(*, user, kind: str, source: str, filename: str) -> str:
    return signing.dumps({"k": kind, "s": source, "n": filename, "o": user.organization_id, "u": user.pk},
                         salt=UPLOAD_SALT, compress=True)


def upload_read(token: str, user) -> dict:
    """The pending upload named by a signed token, for its uploader only (404 otherwise)."""
    try:
        data = signing.loads(token or "", salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    if data.get("o") != user.organization_id or data.get("u") != user.pk:
        raise Http404
    return data


def recent_import_jobs(user, limit: int = 10):
    return (Job.objects.visible_to(user).filter(kind__in=IMPORT_KINDS).select_related("created_by")
            .order_by("-created_at", "-id")[:limit])


@method_decorator(csrf_exempt, name="dispatch")  # CSRF is checked in post(), once the upload size is known
class ImportStartView(WorkspaceMixin, generic.TemplateView):
    """Choose what to import and drop the file."""

    required_action = "data.import"
    template_name = "core/data/import_start.html"
    page_title = gettext_lazy("Gestion des données")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", UploadForm())
        ctx["jobs"] = recent_import_jobs(self.request.user)
        ctx["exports"] = (Job.objects.visible_to(self.request.user).filter(kind="data.export")
                          .select_related("created_by").order_by("-created_at", "-id")[:10])
        ctx["max_mb"] = MAX_BYTES // (1024 * 1024)
        return ctx

    def post(self, request, *args, **kwargs):
        if request_too_large(request):
            # Refused from the header alone: the body is neither read nor stored.
            return self.refuse(too_large_message())
        limit_upload_size(request)
        return csrf_protect(self.upload)(request)

    def refuse(self, message: str):
        return self.render_to_response(self.get_context_data(upload_error=message), status=400)

    def upload(self, request):
        form = UploadForm(request.POST, request.FILES)
        if getattr(request, "_import_too_large", False):
            return self.refuse(too_large_message())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            return self.refuse(too_large_message())
        source = engine.source_save(organization_id=request.user.organization_id, upload=upload)
        try:
            with engine.source_open(source):
                pass  # recognised, header read: the precise message comes now, not in the job
        except engine.ImportFailed as exc:
            default_storage.delete(source)
            form.add_error("file", exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        token = upload_token(user=request.user, kind=form.cleaned_data["kind"], source=source,
                             filename=upload.name[-150:])
        return redirect(f"{reverse('data:import_mapping')}?upload={token}")


# --- Mapping -------------------------------------------------------------------------------------------

class MappingForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=engine.Mode.CHOICES,
                             widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial=engine.Mode.CREATE)
    match_on = forms.ChoiceField(label=gettext_lazy("Reconnaître un enregistrement existant par"))

    def __init__(self, *args, spec, headers, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec, self.headers = spec, headers
        self.fields["match_on"].choices = list(spec.match_keys.items())
        choices = [("", _("— Ne pas importer —"))] + [
            (f.name, f"{f.label} *" if f.required else f.label) for f in spec.fields
        ]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False)
            self.columns.append({"name": name, "letter": column_letter(index), "header": header,
                                 "samples": samples[index]})

    def bound_columns(self):
        for column in self.columns:
            yield {**column, "field": self[column["name"]]}

    def clean(self):
        data = super().clean()
        columns = [data.get(c["name"]) or "" for c in self.columns]
        try:
            engine.mapping_validate(self.spec, self.headers, columns, mode=data.get("mode", ""),
                                    match_on=data.get("match_on", ""))
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                self.add_error(None if key == "columns" else key, errors)
        data["columns"] = columns
        return data


class ImportMappingView(WorkspaceMixin, generic.TemplateView):
    """Which column feeds which field (auto-matched, then remembered), how rows meet existing records."""

    required_action = "data.import"
    template_name = "core/data/import_mapping.html"
    page_title = gettext_lazy("Correspondance des colonnes")

    def setup_upload(self):
        self.token = self.request.GET.get("upload") or self.request.POST.get("upload") or ""
        self.upload = upload_read(self.token, self.request.user)
        self.spec = engine.import_spec(self.upload["k"])
        try:
            with engine.source_open(self.upload["s"]) as sheet:
                self.headers = sheet.headers
                self.format = sheet.format
                self.total_hint = sheet.total_hint
                samples = [[] for _h in sheet.headers]
                for _line, values in islice(sheet.rows(), PREVIEW_ROWS):
                    for index, value in enumerate(values[: len(sheet.headers)]):
                        samples[index].append(engine.display_value(value))
                self.samples = samples
        except (engine.ImportFailed, SpreadsheetError) as exc:
            messages.error(self.request, getattr(exc, "message", str(exc)))
            raise _Restart from None

    def initial(self) -> dict:
        remembered = engine.remembered_mapping(self.spec, organization_id=self.request.user.organization_id,
                                               headers=self.headers)
        columns = remembered.columns if remembered and len(remembered.columns) == len(self.headers) else \
            engine.auto_mapping(self.spec, self.headers)
        options = remembered.options if remembered else {}
        self.remembered = remembered is not None
        initial = {f"col_{i}": name for i, name in enumerate(columns)}
        initial["mode"] = options.get("mode", engine.Mode.CREATE)
        initial["match_on"] = options.get("match_on", next(iter(self.spec.match_keys)))
        return initial

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except _Restart:
            return redirect("data:import_list")

    def get(self, request, *args, **kwargs):
        self.setup_upload()
        form = MappingForm(initial=self.initial(), spec=self.spec, headers=self.headers, samples=self.samples)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        self.setup_upload()
        self.remembered = False
        form = MappingForm(request.POST, spec=self.spec, headers=self.headers, samples=self.samples)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        options = {"mode": data["mode"], "match_on": data["match_on"]}
        engine.mapping_remember(actor=request.user, spec=self.spec, headers=self.headers, columns=data["columns"],
                                options=options)
        job = engine.import_check_enqueue(
            user=request.user,
            params=engine.import_params(kind=self.spec.kind, source=self.upload["s"], filename=self.upload["n"],
                                        columns=data["columns"], **options),
        )
        return redirect("data:import_detail", pk=job.pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(spec=self.spec, filename=self.upload["n"], token=self.token, format=self.format,
                   total_hint=self.total_hint, remembered=getattr(self, "remembered", False))
        return ctx


class _Restart(Exception):
    """The pending upload cannot be read any more: back to the upload page."""


# --- Check, confirm, summary ---------------------------------------------------------------------

class ImportDetailView(TenantDetailView):
    """A check job (the report, then the confirmation) or an import job (its summary)."""

    model = Job
    required_action = "data.import"
    template_name = "core/data/import_detail.html"
    select_related = ("created_by",)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.kind not in IMPORT_KINDS:
            return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["core/data/_import_report.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        job = self.object
        params = job.params or {}
        try:
            spec = engine.import_spec(params.get("kind", ""))
        except engine.ImportFailed:
            spec = None
        result = job.result or {}
        ctx.update(
            spec=spec, params=params, result=result, is_check=job.kind == engine.CHECK_KIND,
            list_url=reverse(spec.list_url_name) if spec and spec.list_url_name else None,
            page_title=_("Import de %(what)s") % {"what": spec.label if spec else params.get("kind", "")},
            mode_label=dict(engine.Mode.CHOICES).get(params.get("mode"), ""),
            match_label=spec.match_keys.get(params.get("match_on"), "") if spec else "",
            row_errors=[e for e in job.errors if e.get("line")],
            fatal=result.get("fatal") or next((e.get("message") for e in job.errors if not e.get("line")), None)
            if job.status == "failed" else None,
        )
        if job.kind == engine.CHECK_KIND and job.is_finished and result.get("import_job"):
            ctx["import_job"] = Job.objects.visible_to(self.request.user).filter(pk=result["import_job"]).first()
        if job.kind == engine.CHECK_KIND and spec is not None and params.get("source"):
            ctx["remap_url"] = "{}?upload={}".format(reverse("data:import_mapping"), upload_token(
                user=self.request.user, kind=spec.kind, source=params["source"], filename=params.get("filename", "")))
        return ctx


class ImportConfirmView(TenantObjectMixin, generic.View):
    """Start the import of a checked file (once)."""

    model = Job
    required_action = "data.import"
    http_method_names = ["post"]

    def post(self, request, pk):
        check = self.get_object()
        try:
            job = engine.import_confirm(actor=request.user, check=check,
                                        valid_only=request.POST.get("valid_only") in ("on", "1", "true"))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("data:import_detail", pk=check.pk)
        messages.info(request, _("Import lancé : suivez sa progression ci-dessous."))
        return redirect("data:import_detail", pk=job.pk)


# --- Export ----------------------------------------------------------------------------------------------

class ExportStartView(WorkspaceMixin, generic.View):
    """Export the list the user is looking at (its filters and sort) as a background job."""

    required_action = "data.export"
    http_method_names = ["post"]

    def post(self, request):
        fmt = request.POST.get("format") or "xlsx"
        try:
            job = export_enqueue(user=request.user, kind=request.POST.get("kind", ""),
                                 query=request.POST.get("query", ""), fmt=fmt)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            back = request.POST.get("next") or ""
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(back)
            return redirect("data:import_list")
        messages.info(request, _("Export lancé : le fichier sera téléchargeable ici dès qu'il sera prêt."))
        return redirect(job.get_absolute_url())

