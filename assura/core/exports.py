"""Built-in background job: export the audit log to CSV (an export is itself audited)."""

from __future__ import annotations

import csv
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from assura.core.audit import audit_record
from assura.core.jobs import job_handler
from assura.core.models import AuditAction, AuditEvent

AUDIT_COLUMNS = ["date", "action", "auteur", "objet", "type", "adresse_ip", "details"]


@job_handler("audit.export")
def export_audit_log(job, reporter) -> None:
    events = AuditEvent.objects.filter(organization_id=job.organization_id)
    params = job.params or {}
    if params.get("action"):
        events = events.filter(action=params["action"])
    if params.get("date_from"):
        events = events.filter(created_at__date__gte=params["date_from"])
    if params.get("date_to"):
        events = events.filter(created_at__date__lte=params["date_to"])
    reporter.set_total(events.count())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    for event in events.order_by("created_at", "id").iterator(chunk_size=2000):
        writer.writerow([
            timezone.localtime(event.created_at).isoformat(), event.action, event.actor_email, event.object_repr,
            event.object_type, event.ip_address or "", event.data,
        ])
        reporter.step()
    name = f"audit-{timezone.localdate():%Y%m%d}-{job.pk}.csv"
    job.result_file.save(name, ContentFile(buffer.getvalue().encode("utf-8-sig")), save=False)
    job.result = {"rows": job.processed}
    audit_record(action=AuditAction.EXPORT, actor=job.created_by, organization=job.organization,
                 target=job, data={"what": "audit", "rows": job.processed})


# The data import and list export engine registers its job handlers ("data.import_check",
# "data.import", "data.export") when imported; CoreConfig.ready() imports this module.
from assura.core import exports_lists, imports  # noqa: E402,F401
