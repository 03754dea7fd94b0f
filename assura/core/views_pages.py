"""Pages of the core: the audit log and the background jobs."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core.filters import AuditEventFilterSet, JobFilterSet
from assura.core.jobs import job_enqueue
from assura.core.models import AuditEvent, Job
from assura.core.tables import Column, Table
from assura.core.views import TenantDetailView, TenantListView, TenantObjectMixin, WorkspaceMixin


class AuditTable(Table):
    columns = [
        Column("created_at", _("Date"), template="core/partials/_cell_datetime.html"),
        Column("action", _("Action")),
        Column("actor_email", _("Auteur")),
        Column("object_repr", _("Objet"), sortable=False),
        Column("ip_address", _("Adresse IP"), sortable=False),
        Column("data", _("Détails"), sortable=False, template="core/partials/_cell_json.html"),
    ]
    default_ordering = "-created_at"
    per_page = 50
    empty_message = _("Aucun événement ne correspond.")


class JobTable(Table):
    columns = [
        Column("id", _("N°"), link=True),
        Column("kind", _("Type")),
        Column("status", _("Statut"), template="core/partials/_cell_job_status.html"),
        Column("progress", _("Progression"), template="core/partials/_cell_progress.html"),
        Column("created_by__email", _("Lancée par")),
        Column("created_at", _("Créée le"), template="core/partials/_cell_datetime.html"),
        Column("finished_at", _("Finie le"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "-created_at"
    empty_message = _("Aucune tâche d'arrière-plan pour le moment.")


class AuditListView(TenantListView):
    """The audit log: browse and filter; nobody edits it."""

    model = AuditEvent
    required_action = "audit.view"
    table_class = AuditTable
    filterset_class = AuditEventFilterSet
    page_title = _("Journal d'audit")
    template_name = "core/audit_list.html"


class AuditExportView(WorkspaceMixin, generic.View):
    required_action = "audit.export"
    http_method_names = ["post"]

    def post(self, request):
        params = {k: request.POST.get(k) for k in ("action", "date_from", "date_to") if request.POST.get(k)}
        job = job_enqueue(kind="audit.export", user=request.user, params=params)
        messages.info(request, _("Export lancé : suivez sa progression ci-dessous."))
        return redirect(job.get_absolute_url())


class JobListView(TenantListView):
    model = Job
    required_action = "jobs.view"
    table_class = JobTable
    filterset_class = JobFilterSet
    page_title = _("Tâches d'arrière-plan")
    select_related = ("created_by",)


class JobDownloadView(TenantObjectMixin, generic.View):
    """The file a job produced, for whoever may see the job (404 otherwise)."""

    model = Job
    required_action = "jobs.view"

    def get(self, request, pk):
        job = self.get_object()
        if not job.result_file:
            raise Http404
        return FileResponse(job.result_file.open("rb"), as_attachment=True,
                            filename=job.result_file.name.rsplit("/", 1)[-1])


class JobDetailView(TenantDetailView):
    model = Job
    required_action = "jobs.view"
    template_name = "core/job_detail.html"
    select_related = ("created_by",)

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["core/partials/_job_progress.html"]
        return [self.template_name]
