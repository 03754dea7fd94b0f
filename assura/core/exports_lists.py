"""Export of any filtered list to XLSX or CSV, as a background job ("data.export").

A module declares an `ExportSpec` beside its import specs (`assura/<app>/imports.py`,
discovered the same way): the rows the user may see (its list selector, built on
`visible_to(user)`), the list's FilterSet and the list's Table. The export contains exactly
the rows the list shows for the same query string — the job re-reads them through the
selector as the user who launched it — and exactly the list's columns (a column may be
expanded, e.g. the name column into last name and first name).

Permission "data.export" (administrators, per the matrix) unless the spec says otherwise.
XLSX is written by xlsxwriter in constant-memory mode (strings are never turned into
formulas or links); CSV is UTF-8 with BOM and semicolons (what Excel opens in French), and
a cell starting with = + - @ is prefixed with an apostrophe so Excel does not run it.
"""

from __future__ import annotations

import csv
import datetime
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assura.core.audit import audit_record
from assura.core.bulk import BulkActionForm, BulkResult, register_bulk_action
from assura.core.imports import csv_safe, discover
from assura.core.jobs import job_enqueue, job_handler
from assura.core.models import AuditAction, Job
from assura.core.permissions import user_can
from assura.core.tables import Column

EXPORT_KIND = "data.export"
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class ExportSpec:
    """A list that can be exported."""

    kind: str
    label: Any
    queryset: Callable  # queryset(user) → the rows the user may see, with what the columns need
    table: type  # the list's Table: its columns are the export's columns
    filterset: type | None = None
    expand: dict[str, tuple[Column, ...]] = field(default_factory=dict)  # column name → the columns written
    action: str = "data.export"

    def columns(self) -> list[Column]:
        columns = []
        for column in self.table.columns:
            if column.name == "select":
                continue
            columns.extend(self.expand.get(column.name, (column,)))
        return columns


EXPORTS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    EXPORTS[spec.kind] = spec
    return spec


def export_specs() -> dict[str, ExportSpec]:
    discover()
    return EXPORTS


def export_spec(kind: str) -> ExportSpec:
    specs = export_specs()
    if kind not in specs:
        raise ValidationError({"kind": [_("Liste inconnue : %(kind)s.") % {"kind": kind}]})
    return specs[kind]


def export_rows(spec: ExportSpec, *, user, query: str = "", ids: list[int] | None = None):
    """The rows of the list as `user` sees it with `query` (its filters and ordering).
    Raises ValidationError when a filter is invalid (never exports more than asked)."""
    params = QueryDict(query or "")
    qs = spec.queryset(user)
    if spec.filterset is not None:
        request = SimpleNamespace(user=user, GET=params, query_params=params)
        filterset = spec.filterset(params or None, queryset=qs, request=request)
        if filterset.is_bound:
            if not filterset.is_valid():
                raise ValidationError({
                    name: [str(e) for e in errors] for name, errors in filterset.errors.items()
                })
            qs = filterset.qs
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    ordering = params.get("ordering") or spec.table.default_ordering
    sortable = {c.name: c for c in spec.table.columns if c.sortable}
    if ordering and ordering.lstrip("-") in sortable:
        column = sortable[ordering.lstrip("-")]
        path = column.order_by or column.name
        desc = ordering.startswith("-")
        return qs.order_by(f"-{path}" if desc else path, "-pk" if desc else "pk")
    return qs.order_by(*(qs.model._meta.ordering or ["pk"]))


def export_enqueue(*, user, kind: str, query: str = "", fmt: str = "xlsx", ids: list[int] | None = None) -> Job:
    """Start an export of list `kind` as the user sees it with `query` (a list page's query
    string). `ids` narrows it to ticked rows (bulk action). Checks happen now, and again in the job."""
    spec = export_spec(kind)
    if not user_can(user, spec.action):
        raise PermissionDenied
    if fmt not in FORMATS:
        raise ValidationError({"format": [_("Format inconnu : choisissez XLSX ou CSV.")]})
    export_rows(spec, user=user, query=query, ids=ids)  # a bad filter is refused now, not in the job
    params = {"kind": kind, "query": query or "", "format": fmt}
    if ids is not None:
        params["ids"] = [int(i) for i in ids]
    return job_enqueue(kind=EXPORT_KIND, user=user, params=params)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@job_handler(EXPORT_KIND)
def export_list_job(job, reporter) -> None:
    params = job.params or {}
    spec = export_spec(params.get("kind", ""))
    user = job.created_by
    if user is None or not user.is_active or not user_can(user, spec.action):
        raise PermissionDenied(_("Le lanceur de l'export n'a plus le droit d'exporter."))
    rows = export_rows(spec, user=user, query=params.get("query", ""), ids=params.get("ids"))
    columns = spec.columns()
    reporter.set_total(rows.count())
    reporter.every = max(500, job.total // 100)
    fmt = params.get("format", "xlsx")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"export.{fmt}")
        if fmt == "csv":
            _write_csv(path, columns, rows, reporter)
        else:
            _write_xlsx(path, columns, rows, reporter, title=str(spec.label))
        name = get_valid_filename(f"{spec.kind}-{timezone.localdate():%Y%m%d}-{job.pk}.{fmt}")
        with open(path, "rb") as handle:
            job.result_file.save(name, File(handle), save=False)
    job.result = {"rows": job.processed, "format": fmt, "kind": spec.kind}
    audit_record(action=AuditAction.EXPORT, actor=user, organization=job.organization, target=job,
                 data={"what": spec.kind, "rows": job.processed, "format": fmt, "query": params.get("query", "")})


def _write_csv(path: str, columns: list[Column], rows, reporter) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([str(c.label) for c in columns])
        for obj in rows.iterator(chunk_size=2000):
            line = []
            for column in columns:
                value = _cell(column.value(obj))
                if isinstance(value, datetime.datetime):
                    value = value.strftime("%d/%m/%Y %H:%M")
                elif isinstance(value, datetime.date):
                    value = value.strftime("%d/%m/%Y")
                line.append(csv_safe(value) if isinstance(value, str) else value)
            writer.writerow(line)
            reporter.step()


def _write_xlsx(path: str, columns: list[Column], rows, reporter, *, title: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    try:
        sheet = workbook.add_worksheet(title[:31])
        bold = workbook.add_format({"bold": True})
        date = workbook.add_format({"num_format": "dd/mm/yyyy"})
        stamp = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        for index, column in enumerate(columns):
            sheet.write_string(0, index, str(column.label), bold)
            sheet.set_column(index, index, 18)
        sheet.freeze_panes(1, 0)
        for line, obj in enumerate(rows.iterator(chunk_size=2000), start=1):
            for index, column in enumerate(columns):
                value = _cell(column.value(obj))
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(line, index, value, stamp)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(line, index, datetime.datetime.combine(value, datetime.time()), date)
                elif isinstance(value, int | float):
                    sheet.write_number(line, index, value)
                elif value:
                    sheet.write_string(line, index, value)
            reporter.step()
    finally:
        workbook.close()


# --- "Exporter la sélection": the bulk action of list pages ---------------------------------------------

class ExportSelectionForm(BulkActionForm):
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
                               initial="xlsx")


def export_selection(user, queryset, cleaned_data, request=None) -> BulkResult:
    """The ticked rows (or every matching row, up to the bulk limit), exported in the background
    with the list's columns and sort; the answer leads to the job's page and its file."""
    model = queryset.model
    kind = next((k for k, spec in export_specs().items() if spec.queryset(user).model is model), None)
    if kind is None:
        raise ValidationError(_("Cette liste ne s'exporte pas."))
    query = request.GET.urlencode() if request is not None else ""
    ids = list(queryset.values_list("pk", flat=True))
    job = export_enqueue(user=user, kind=kind, query=query, fmt=cleaned_data.get("format") or "xlsx", ids=ids)
    return BulkResult(len(ids), ngettext("Export de %(count)s ligne lancé.", "Export de %(count)s lignes lancé.",
                                         len(ids)) % {"count": len(ids)}, url=job.get_absolute_url())


def register_bulk_export() -> None:
    register_bulk_action("export", gettext_lazy("Exporter la sélection"), "data.export", ExportSelectionForm,
                         export_selection, icon="download")
