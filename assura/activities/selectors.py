"""Reads of the activities app: the timeline of a record, lists, the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType

from assura.activities.models import Activity
from assura.core.models import FieldChange

RECORD_FIELDS = {"contact": "contact", "account": "account", "lead": "lead"}


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # an ActivityKind value, or "change" for a field change
    activity: Activity | None = None
    change: FieldChange | None = None


def record_field(record) -> str:
    """Which Activity foreign key points at this record (contact, account or lead)."""
    name = record._meta.model_name
    if name not in RECORD_FIELDS:
        raise ValueError(f"No timeline for {name}")
    return RECORD_FIELDS[name]


def timeline(*, user, record, kinds=None, channels=None, limit: int = 50) -> list[TimelineEntry]:
    """Activities and field changes of one record, newest first, in two queries."""
    activities = (
        Activity.objects.visible_to(user)
        .filter(**{record_field(record): record})
        .select_related("assignee", "created_by")
    )
    if kinds:
        activities = activities.filter(kind__in=[k for k in kinds if k != "change"])
    if channels:
        activities = activities.filter(channel__in=channels)
    entries = [TimelineEntry(at=a.occurred_at, kind=a.kind, activity=a) for a in activities[:limit]]
    if (not kinds or "change" in kinds) and not channels:
        changes = FieldChange.objects.filter(
            organization_id=record.organization_id, content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
        ).select_related("actor")[:limit]
        entries.extend(TimelineEntry(at=c.changed_at, kind="change", change=c) for c in changes)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
