"""Services shared by every record-keeping module: field history, per-company counters,
notifications, recently viewed records. Modules call these from their own services."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Subquery
from django.utils import timezone

from assura.core.models import FieldChange, Notification, RecentView, Sequence

# --- Field history -------------------------------------------------------------------------------

def snapshot(obj, fields) -> dict[str, str]:
    """The displayable value of each field, to compare before and after a change."""
    values = {}
    for name in fields:
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(obj, name)
        if hasattr(value, "all"):  # many-to-many
            value = ", ".join(sorted(str(v) for v in value.all()))
        values[name] = "" if value is None else str(value)
    return values


def history_record(*, obj, before: dict[str, str], actor) -> list[FieldChange]:
    """Store one FieldChange per field whose value differs from `before`."""
    after = snapshot(obj, before.keys())
    content_type = ContentType.objects.get_for_model(obj)
    changes = [
        FieldChange(
            organization_id=obj.organization_id, content_type=content_type, object_id=obj.pk, field=name,
            field_label=str(obj._meta.get_field(name).verbose_name)[:120], old_value=before[name],
            new_value=after[name], actor=actor,
        )
        for name in before
        if before[name] != after[name]
    ]
    return FieldChange.objects.bulk_create(changes)


def history_for(obj, *, limit: int = 200):
    return (
        FieldChange.objects.filter(
            organization_id=obj.organization_id, content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )
        .select_related("actor")[:limit]
    )


# --- Counters --------------------------------------------------------------------------------------

@transaction.atomic
def sequence_next(*, organization_id, key: str, count: int = 1) -> int:
    """Reserve `count` consecutive values; returns the first. Safe under concurrency."""
    Sequence.objects.get_or_create(organization_id=organization_id, key=key)
    Sequence.objects.filter(organization_id=organization_id, key=key).update(value=F("value") + count)
    last = Sequence.objects.select_for_update().get(organization_id=organization_id, key=key).value
    return last - count + 1


# --- Notifications -----------------------------------------------------------------------------------

def notify(*, user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    return Notification.objects.create(
        organization_id=user.organization_id, user=user, kind=kind, title=title[:200], body=body, url=url[:300]
    )


def notifications_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- Recently viewed -----------------------------------------------------------------------------------

def recent_view_record(*, user, obj, label: str | None = None, keep: int = 30) -> None:
    """Remember that `user` opened `obj`: one UPDATE when it is already in the list (the
    usual case on a record one works on), else an INSERT and a one-statement trim."""
    content_type = ContentType.objects.get_for_model(obj)  # cached by Django after the first call
    values = {"label": (label or str(obj))[:200], "url": obj.get_absolute_url()[:300], "viewed_at": timezone.now()}
    mine = RecentView.objects.filter(user=user, content_type=content_type, object_id=obj.pk)
    if mine.update(**values):
        return
    RecentView.objects.create(
        organization_id=user.organization_id, user=user, content_type=content_type, object_id=obj.pk, **values
    )
    # Keep the newest `keep` entries, in one DELETE.
    newest = RecentView.objects.filter(user=user).order_by("-viewed_at", "-pk").values("pk")[:keep]
    RecentView.objects.filter(user=user).exclude(pk__in=Subquery(newest)).delete()
