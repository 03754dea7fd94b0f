"""Services shared by every record-keeping module: field history, per-company counters,
notifications, recently viewed records. Modules call these from their own services."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assura.core.models import FieldChange, Notification, RecentView, Sequence
from assura.core.notifications import CATEGORY_KEYS, CHANNELS, preference_for

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

def notify(*, user, kind: str, title: str, body: str = "", url: str = "", about=None, event_key: str = "",
           email: bool | None = None) -> Notification | None:
    """Tell `user` about something, through the channels their preferences choose for the kind's
    category: an in-app notification (returned; None when they turned the category off in-app)
    and/or an e-mail sent when the transaction commits. `email` forces the e-mail on or off
    (a caller that sends its own message passes False).

    `about`: the record it concerns (the customer), listed on that record's page. `event_key`:
    a stable name of the event; given, the same user is told once however often (or however
    concurrently) the caller runs — the unique constraint decides, a second call returns the
    existing notification and sends nothing."""
    prefs = preference_for(user, kind)
    send = (prefs["email"] if email is None else email) and bool(user.email)
    if not prefs["in_app"] and not send:
        return None
    values = {
        "kind": kind, "title": title[:200], "body": body, "url": url[:300], "in_app": prefs["in_app"],
        "content_type": ContentType.objects.get_for_model(about) if about is not None else None,
        "object_id": about.pk if about is not None else None,
    }
    notification = None
    if event_key:
        # get_or_create inserts in a savepoint and reads the winner's row on IntegrityError.
        notification, created = Notification.objects.get_or_create(
            organization_id=user.organization_id, user=user, event_key=event_key[:120], defaults=values)
        if not created:
            return notification if notification.in_app else None
    elif prefs["in_app"]:
        notification = Notification.objects.create(organization_id=user.organization_id, user=user, **values)
    if send:
        notification_email_on_commit(user=user, title=title, body=body, url=url)
    return notification if prefs["in_app"] else None


def notification_email_on_commit(*, user, title: str, body: str = "", url: str = "") -> None:
    """Send the notification by e-mail once the transaction commits, framed in the user's language."""
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        text = render_to_string("core/email/notification.txt", {
            "user": user, "title": title, "body": body, "link": f"{settings.SITE_URL}{url}" if url else "",
        })
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{title}"[:250]
    transaction.on_commit(lambda: send_mail(subject, text, None, [user.email]))


def notification_preferences_set(*, actor, preferences: dict) -> dict:
    """Store the actor's own channel choices: {category: {"in_app": bool, "email": bool}}.
    Unknown categories are refused; a missing channel is off (an unticked box)."""
    unknown = set(preferences) - CATEGORY_KEYS
    if unknown:
        raise ValidationError(_("Catégorie de notification inconnue : %(keys)s") % {"keys": ", ".join(sorted(unknown))})
    stored = {key: {channel: bool((preferences.get(key) or {}).get(channel)) for channel in CHANNELS}
              for key in sorted(CATEGORY_KEYS)}
    actor.notification_preferences = stored
    actor.save(update_fields=["notification_preferences"])
    return stored


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
