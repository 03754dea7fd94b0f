"""Reads of the activities app: the timeline of a record, lists, the calendar, notifications.

Everything starts from `visible_to(user)`: another company's row, or one the role may not
see, is simply not there (404 for a page that names it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assura.activities.choices import ActivityKind, ActivityStatus
from assura.activities.models import Activity
from assura.core.models import FieldChange, Notification

RECORD_FIELDS = {"contact": "contact", "account": "account", "lead": "lead"}
CHANGE = "change"  # the timeline "kind" of a field change
LIST_RELATED = ("assignee", "agency", "contact", "account", "lead")


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # an ActivityKind value, or "change" for a field change
    activity: Activity | None = None
    change: FieldChange | None = None

    @property
    def key(self) -> tuple:
        return (self.at, (self.activity or self.change).pk)


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None  # pass back as `cursor` for the next (older) entries


def record_field(record) -> str:
    """Which Activity foreign key points at this record (contact, account or lead)."""
    name = record._meta.model_name
    if name not in RECORD_FIELDS:
        raise ValueError(f"No timeline for {name}")
    return RECORD_FIELDS[name]


def record_model(field: str):
    return Activity._meta.get_field(field).related_model


def record_get(*, user, field: str, pk):
    """The contact, account or lead `pk` as `user` may see it; 404 otherwise (missing or not theirs)."""
    if field not in RECORD_FIELDS:
        raise Http404
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(record_model(field).objects.visible_to(user), pk=pk)


def record_from_params(*, user, params):
    """The record named by `?contact=<id>`, `?account=<id>` or `?lead=<id>` (404 if none or not visible)."""
    for field in RECORD_FIELDS:
        if params.get(field):
            return record_get(user=user, field=field, pk=params[field])
    raise Http404


# --- Timeline ---------------------------------------------------------------------------------------------

def _encode(position) -> str:
    return "" if position is None else f"{position[0].isoformat()}~{position[1]}"


def _decode(value: str):
    try:
        at, pk = value.split("~")
        return datetime.fromisoformat(at), int(pk)
    except ValueError:
        return None


def _after(qs, date_field: str, position):
    """Rows strictly older than `position` in (date, id) descending order."""
    if position is None:
        return qs
    at, pk = position
    return qs.filter(Q(**{f"{date_field}__lt": at}) | Q(**{date_field: at, "pk__lt": pk}))


def timeline_page(*, user, record, kinds=None, channels=None, cursor: str | None = None,
                  limit: int = 20) -> TimelinePage:
    """One page of a record's activities and field changes, newest first: two queries whatever the
    number of entries. `cursor` holds where each of the two streams stopped, so "voir plus" never
    skips nor repeats an entry even when dates are equal."""
    kinds = [k for k in (kinds or []) if k]
    channels = [c for c in (channels or []) if c]
    activity_kinds = [k for k in kinds if k != CHANGE]
    with_activities = not kinds or bool(activity_kinds)
    with_changes = (not kinds or CHANGE in kinds) and not channels
    positions = [None, None]
    if cursor:
        parts = cursor.split("|")
        if len(parts) == 2:
            positions = [_decode(p) if p else None for p in parts]
    entries: list[TimelineEntry] = []
    if with_activities:
        activities = (
            Activity.objects.visible_to(user)
            .filter(**{record_field(record): record})
            .select_related("assignee", "created_by")
            .order_by("-occurred_at", "-pk")
        )
        if activity_kinds:
            activities = activities.filter(kind__in=activity_kinds)
        if channels:
            activities = activities.filter(channel__in=channels)
        entries += [TimelineEntry(at=a.occurred_at, kind=a.kind, activity=a)
                    for a in _after(activities, "occurred_at", positions[0])[: limit + 1]]
    if with_changes:
        changes = (
            FieldChange.objects.filter(
                organization_id=record.organization_id, content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
            )
            .select_related("actor")
            .order_by("-changed_at", "-pk")
        )
        entries += [TimelineEntry(at=c.changed_at, kind=CHANGE, change=c)
                    for c in _after(changes, "changed_at", positions[1])[: limit + 1]]
    entries.sort(key=lambda e: e.key, reverse=True)
    page, rest = entries[:limit], entries[limit:]
    if not rest:
        return TimelinePage(entries=page, next_cursor=None)
    for entry in page:
        positions[0 if entry.activity else 1] = entry.key
    return TimelinePage(entries=page, next_cursor="|".join(_encode(p) for p in positions))


def timeline(*, user, record, kinds=None, channels=None, limit: int = 50) -> list[TimelineEntry]:
    """The newest `limit` entries of a record's timeline (activities and field changes)."""
    return timeline_page(user=user, record=record, kinds=kinds, channels=channels, limit=limit).entries


# --- Lists ------------------------------------------------------------------------------------------------------

def activity_list(*, user):
    return Activity.objects.visible_to(user).select_related(*LIST_RELATED)


def activity_get(*, user, pk) -> Activity:
    return get_object_or_404(activity_list(user=user), pk=pk)


def calendar_items(*, user, start: datetime, end: datetime, scope: str = "mine") -> list[Activity]:
    """Appointments and dated tasks between `start` and `end` (cancelled ones left out): the user's
    own (assigned or attending), or with `scope="agency"` their agency's too."""
    qs = (
        Activity.objects.visible_to(user)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(Q(kind=ActivityKind.APPOINTMENT) | Q(kind=ActivityKind.TASK, due_at__isnull=False))
        .exclude(status=ActivityStatus.CANCELLED)
    )
    mine = Q(assignee=user) | Q(pk__in=Activity.attendees.through.objects.filter(user=user).values("activity_id"))
    if scope == "agency" and user.agency_id:
        mine |= Q(agency_id=user.agency_id)
    qs = qs.filter(mine)
    return list(qs.select_related("assignee", "contact", "account", "lead").order_by("occurred_at", "pk"))


# --- Notifications ------------------------------------------------------------------------------------------------

def notification_list(*, user):
    return Notification.objects.visible_to(user)


def notification_unread_count(*, user) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


def notifications_about(*, user, record, limit: int = 50) -> list[Notification]:
    """The user's own notifications about a record (a customer), newest first: one query."""
    return list(notification_list(user=user).filter(content_type=ContentType.objects.get_for_model(record),
                                                    object_id=record.pk)[:limit])


def reminders_about(*, user, record, limit: int = 50, now=None) -> tuple[list[Activity], list[Activity]]:
    """The reminders set on a customer's activities that the user may see: those to come (soonest
    first), then those past (latest first). Two queries."""
    now = now or timezone.now()
    qs = (Activity.objects.visible_to(user).filter(**{record._meta.model_name: record}, remind_at__isnull=False)
          .select_related("assignee"))
    return (list(qs.filter(remind_at__gte=now).order_by("remind_at", "pk")[:limit]),
            list(qs.filter(remind_at__lt=now).order_by("-remind_at", "-pk")[:limit]))
