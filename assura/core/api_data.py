"""The data import/export API: `/api/v1/imports/` and `/api/v1/exports/`.

    POST /api/v1/imports/   multipart: kind, file, [mapping], [mode], [match_on], [valid_only], [dry_run]
                            → 202 and the job; the import validates every row, then saves in one
                            transaction (nothing when a row is invalid, unless valid_only).
    GET  /api/v1/imports/{id}/        status, progress, counts (result), errors (line, column, value, message)
    GET  /api/v1/imports/{id}/file/   the error file (CSV of the bad rows with a reason column)
    POST /api/v1/exports/   {"kind": "contacts", "format": "xlsx", "query": "agency=3&ordering=-created_at"}
    GET  /api/v1/exports/{id}/        status; GET /api/v1/exports/{id}/file/ the file

`mapping` is optional: a JSON object {"column header": "field"} (unnamed columns are not
imported) or a list of field names, one per column; without it, the mapping remembered
for these headers is used, else the automatic one. Imports need "data.import", exports
"data.export" (administrators); a job of another company is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assura.core import imports as engine
from assura.core.api import validation_error_detail
from assura.core.exports_lists import FORMATS, export_enqueue, export_specs
from assura.core.jobs import job_enqueue
from assura.core.models import Job
from assura.core.views_data import limit_upload_size, request_too_large, too_large_message
from assura.core.viewsets import TenantViewSetMixin


class DataJobSerializer(serializers.ModelSerializer):
    """A background job: status, progress, counts (`result`) and the first errors."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    params = serializers.SerializerMethodField(help_text="What was asked: kind, file name, mapping, mode, filters.")
    file = serializers.SerializerMethodField(help_text="URL of the produced file (error file, export), or null.")

    def get_params(self, job) -> dict:
        return {k: v for k, v in (job.params or {}).items() if k != "source"}  # the storage path stays private

    def get_file(self, job) -> str | None:
        if not job.result_file:
            return None
        basename = "import" if job.kind in (engine.CHECK_KIND, engine.IMPORT_KIND) else "export"
        url = reverse(f"api:{basename}-file", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "status_label", "progress", "total", "processed", "succeeded_count",
                  "failed_count", "params", "result", "errors", "created_at", "started_at", "finished_at", "file"]
        read_only_fields = fields


def import_kinds():
    return [(kind, str(spec.label)) for kind, spec in engine.import_specs().items()]


def export_kinds():
    return [(kind, str(spec.label)) for kind, spec in export_specs().items()]


class ImportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], help_text="contacts, accounts or leads.")
    file = serializers.FileField(help_text="XLSX or CSV, 20 MB at most; the first row names the columns.")
    mapping = serializers.JSONField(required=False, help_text='{"column header": "field"} or a list of fields.')
    mode = serializers.ChoiceField(choices=[c for c, _label in engine.Mode.CHOICES], default=engine.Mode.CREATE)
    match_on = serializers.CharField(required=False, help_text="code, nin, email (contacts); nif, trade_register, "
                                                               "email (accounts); email, phone (leads).")
    valid_only = serializers.BooleanField(default=False, help_text="Save the valid rows even if others are invalid.")
    dry_run = serializers.BooleanField(default=False, help_text="Only check the file (nothing is saved).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = import_kinds()


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], help_text="contacts, accounts or leads.")
    format = serializers.ChoiceField(choices=FORMATS, default="xlsx")
    query = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text="The list's query string: filters, q and ordering.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = export_kinds()


def _file_response(job: Job):
    if not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True,
                        filename=job.result_file.name.rsplit("/", 1)[-1])


class DataJobViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = Job
    serializer_class = DataJobSerializer
    kinds: tuple[str, ...] = ()
    filterset_class = None
    search_fields: list[str] = []
    ordering_fields = ["created_at"]

    def get_queryset(self):
        qs = super().get_queryset().select_related("created_by")
        # The list shows this endpoint's jobs; a detail is any job the user may see (like /jobs/{id}/).
        return qs.filter(kind__in=self.kinds) if self.action == "list" else qs

    @extend_schema(responses={200: OpenApiResponse(description="The file the job produced.")})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        return _file_response(self.get_object())


class ImportViewSet(mixins.CreateModelMixin, DataJobViewSet):
    """Imports of contacts, accounts and leads from XLSX or CSV, run as background jobs."""

    kinds = (engine.CHECK_KIND, engine.IMPORT_KIND)
    required_actions = {"*": "data.import"}

    def initial(self, request, *args, **kwargs):
        if request.method == "POST" and request_too_large(request):
            # Refused from the header alone, before the body is read (authentication would read it).
            raise ValidationError({"file": [too_large_message()]})
        if request.method == "POST":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)

    def get_serializer_class(self):
        return ImportRequestSerializer if self.action == "create" else DataJobSerializer

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses={
        202: DataJobSerializer, 400: OpenApiResponse(description='{"file": [...]} / {"mapping": [...]} …'),
    })
    def create(self, request, *args, **kwargs):
        if getattr(request._request, "_import_too_large", False):
            raise ValidationError({"file": [too_large_message()]})
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        spec = engine.import_spec(data["kind"])
        upload = data["file"]
        source = engine.source_save(organization_id=request.user.organization_id, upload=upload)
        try:
            with engine.source_open(source) as sheet:
                headers = sheet.headers
            columns = self._columns(spec, headers, data.get("mapping"))
            match_on = data.get("match_on") or next(iter(spec.match_keys))
            engine.mapping_validate(spec, headers, columns, mode=data["mode"], match_on=match_on)
        except engine.ImportFailed as exc:
            default_storage.delete(source)
            raise ValidationError({"file": [exc.message]}) from None
        except DjangoValidationError as exc:
            default_storage.delete(source)
            detail = validation_error_detail(exc)
            if "columns" in detail:
                detail["mapping"] = detail.pop("columns")
            raise ValidationError(detail) from None
        params = engine.import_params(kind=spec.kind, source=source, filename=upload.name[-150:], columns=columns,
                                      mode=data["mode"], match_on=match_on, valid_only=data["valid_only"])
        job = job_enqueue(kind=engine.CHECK_KIND if data["dry_run"] else engine.IMPORT_KIND, user=request.user,
                          params=params)
        body = DataJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": reverse("api:import-detail", args=[job.pk])})

    def _columns(self, spec, headers: list[str], mapping) -> list[str]:
        if mapping is None:
            remembered = engine.remembered_mapping(spec, organization_id=self.request.user.organization_id,
                                                   headers=headers)
            if remembered and len(remembered.columns) == len(headers):
                return list(remembered.columns)
            return engine.auto_mapping(spec, headers)
        if isinstance(mapping, list):
            if len(mapping) != len(headers) or not all(isinstance(m, str | type(None)) for m in mapping):
                raise ValidationError({"mapping": [
                    _("Une liste de %(n)s noms de champ (ou null) est attendue, un par colonne : %(headers)s.")
                    % {"n": len(headers), "headers": ", ".join(headers)}]})
            return [m or "" for m in mapping]
        if isinstance(mapping, dict):
            unknown = [h for h in mapping if h not in headers]
            if unknown:
                raise ValidationError({"mapping": [
                    _("Colonne(s) inconnue(s) : %(unknown)s. Les colonnes du fichier sont : %(headers)s.")
                    % {"unknown": ", ".join(unknown), "headers": ", ".join(headers)}]})
            return [str(mapping.get(h) or "") for h in headers]
        raise ValidationError({"mapping": [_("Un objet {« en-tête » : « champ »} ou une liste de champs est "
                                             "attendu.")]})


class ExportViewSet(mixins.CreateModelMixin, DataJobViewSet):
    """Exports of the contact, account and lead lists (the rows the user may see, filtered)."""

    kinds = ("data.export",)
    required_actions = {"*": "data.export"}

    def get_serializer_class(self):
        return ExportRequestSerializer if self.action == "create" else DataJobSerializer

    @extend_schema(request=ExportRequestSerializer, responses={202: DataJobSerializer})
    def create(self, request, *args, **kwargs):
        form = ExportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        job = export_enqueue(user=request.user, kind=data["kind"], query=data["query"], fmt=data["format"])
        body = DataJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": reverse("api:export-detail", args=[job.pk])})


def register(router) -> None:
    """Register the imports/exports viewsets on the /api/v1/ router."""
    router.register("imports", ImportViewSet, basename="import")
    router.register("exports", ExportViewSet, basename="export")
