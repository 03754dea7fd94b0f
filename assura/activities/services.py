"""Writes of the activities app: log and plan activities, complete, cancel, reschedule,
and send the reminders that fall due.

Rules kept here, once:
- logged kinds (call, note, e-mail, SMS, visit) record something that happened: they are
  created done, dated `occurred_at` (now unless given, never in the future);
- planned kinds (task, appointment) are work to do: a task has an optional due date, an
  appointment a start (and an end, one hour later by default); neither may be planned in
  a day already past; they are done or cancelled later;
- `occurred_at` is always set (the logged date, the due date, the start, or now): it
  orders the timeline and places the item on the calendar;
- a logged activity belongs to a contact, an account or a lead (planned work may stand
  alone: an internal meeting, a personal task); each linked record must be one the actor
  may see, else 404 — the answer for "missing" and "not yours" alike;
- only the assignee, the author, or someone who may read every record changes an
  activity; the role must be allowed `activities.edit` (else 403, nothing changes).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assura.activities.choices import ActivityChannel, ActivityKind, ActivityStatus, CallDirection
from assura.activities.models import Activity
from assura.core.notifications import preference_for
from assura.core.permissions import user_can
from assura.core.records import notify
from assura.core.search import normalize

LOGGED_KINDS = frozenset({ActivityKind.CALL, ActivityKind.NOTE, ActivityKind.EMAIL, ActivityKind.SMS,
                          ActivityKind.VISIT})
PLANNED_KINDS = frozenset({ActivityKind.TASK, ActivityKind.APPOINTMENT})
DEFAULT_CHANNEL = {
    ActivityKind.CALL: ActivityChannel.PHONE,
    ActivityKind.EMAIL: ActivityChannel.EMAIL,
    ActivityKind.SMS: ActivityChannel.SMS,
    ActivityKind.VISIT: ActivityChannel.AGENCY,
}
RECORD_FIELDS = ("contact", "account", "lead")
DEFAULT_APPOINTMENT_LENGTH = timedelta(hours=1)
DEFAULT_APPOINTMENT_REMINDER = 30  # minutes before the start, when the user asks for a reminder
FUTURE_GRACE = timedelta(minutes=5)  # clocks differ: "now" typed in a form is not "the future"
REMINDER_BATCH = 500

EDITABLE_FIELDS = frozenset({
    "subject", "body", "channel", "priority", "due_at", "start_at", "end_at", "place", "direction",
    "duration_seconds", "outcome", "occurred_at", "remind_at", "remind_before", "remind_by_email", "assignee",
    "attendees", "agency", *RECORD_FIELDS,
})
CREATE_FIELDS = EDITABLE_FIELDS | {"kind", "status"}


# --- Access ------------------------------------------------------------------------------------------

def activity_can_change(user, activity: Activity) -> bool:
    """May `user` change this (visible) activity? Their own, one they wrote, an unassigned one, or any
    when their role reads every record — and only with `activities.edit`."""
    if not user_can(user, "activities.edit") or activity.organization_id != user.organization_id:
        return False
    if user_can(user, "records.read_all"):
        return True
    return activity.assignee_id in (None, user.pk) or activity.created_by_id == user.pk


def _require_edit(actor) -> None:
    if not user_can(actor, "activities.edit"):
        raise PermissionDenied(_("Votre rôle ne permet pas de créer ou modifier des activités."))


def _require_change(actor, activity: Activity) -> None:
    if activity.organization_id != actor.organization_id:
        raise Http404
    _require_edit(actor)
    if not activity_can_change(actor, activity):
        raise PermissionDenied(_("Vous ne pouvez modifier que vos propres activités."))


def _check_record(actor, record) -> None:
    """A linked contact, account or lead must be one the actor may see: 404 otherwise."""
    if record is None:
        return
    if record.organization_id != actor.organization_id:
        raise Http404
    if not type(record).objects.visible_to(actor).filter(pk=record.pk).exists():
        raise Http404


def _same_company(actor, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.organization_id != actor.organization_id:
            raise Http404


# --- Building and validating ----------------------------------------------------------------------------

def start_of_today():
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _normalise(activity: Activity, *, now) -> None:
    """Blank what does not apply to the kind, fill the defaults that depend on it."""
    kind = activity.kind
    activity.subject = " ".join((activity.subject or "").split())
    if kind != ActivityKind.CALL:
        activity.direction, activity.duration_seconds, activity.outcome = "", None, ""
    elif not activity.direction:
        activity.direction = CallDirection.OUTBOUND
    if kind in LOGGED_KINDS:
        activity.due_at = activity.start_at = activity.end_at = activity.remind_at = None
        activity.remind_by_email = False
    elif kind == ActivityKind.TASK:
        activity.start_at = activity.end_at = None
    elif kind == ActivityKind.APPOINTMENT:
        activity.due_at = None
        if activity.start_at and not activity.end_at:
            activity.end_at = activity.start_at + DEFAULT_APPOINTMENT_LENGTH
    activity.search_text = normalize(activity.subject)


def _validate(activity: Activity, *, errors: dict, now, dates_changed: bool) -> None:
    kind = activity.kind
    if kind in LOGGED_KINDS:
        if activity.status == ActivityStatus.PLANNED:
            _add(errors, "status", _("Un appel, une note, un message ou une visite se consigne une fois fait : "
                                     "pour le prévoir, créez une tâche ou un rendez-vous."))
        if activity.occurred_at and activity.occurred_at > now + FUTURE_GRACE:
            _add(errors, "occurred_at", _("Une activité consignée ne peut pas être datée dans le futur."))
        if not any(getattr(activity, f"{name}_id") for name in RECORD_FIELDS):
            _add(errors, NON_FIELD_ERRORS, _("Rattachez l'activité à un contact, un compte ou une piste."))
    if kind == ActivityKind.APPOINTMENT and not activity.start_at:
        _add(errors, "start_at", _("Indiquez le début du rendez-vous."))
    if activity.start_at and activity.end_at and activity.end_at < activity.start_at:
        _add(errors, "end_at", _("La fin doit être après le début."))
    if kind in PLANNED_KINDS and activity.status == ActivityStatus.PLANNED and dates_changed:
        field = "start_at" if kind == ActivityKind.APPOINTMENT else "due_at"
        when = getattr(activity, field)
        if when and when < start_of_today():
            _add(errors, field, _("Cette date est passée : choisissez aujourd'hui ou plus tard."))


def _reminder(activity: Activity, minutes) -> None:
    """`remind_before` (minutes before the start or due date) becomes `remind_at`."""
    if minutes in (None, ""):
        return
    anchor = activity.start_at or activity.due_at
    if anchor is None:
        raise ValidationError({"remind_before": [_("Un rappel demande une date d'échéance ou de début.")]})
    activity.remind_at = anchor - timedelta(minutes=int(minutes))


def _set_occurred_at(activity: Activity, *, now) -> None:
    if activity.kind in LOGGED_KINDS:
        activity.occurred_at = activity.occurred_at or now
    else:
        activity.occurred_at = activity.start_at or activity.due_at or activity.occurred_at or now


def _clean_and_save(activity: Activity, *, errors: dict, now, dates_changed: bool, reminder_before) -> Activity:
    _normalise(activity, now=now)
    if not activity.remind_at:
        activity.remind_by_email = False
    _set_occurred_at(activity, now=now)
    _validate(activity, errors=errors, now=now, dates_changed=dates_changed)
    try:
        activity.full_clean(exclude=[f for f in errors if f != NON_FIELD_ERRORS])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)
    if activity.remind_at != reminder_before:
        activity.reminded_at = None  # a new reminder time fires again
    activity.save()
    return activity


def _check_people_and_links(actor, data: dict) -> None:
    _same_company(actor, data.get("assignee"), data.get("agency"), *(data.get("attendees") or ()))
    for name in RECORD_FIELDS:
        _check_record(actor, data.get(name))
    assignee = data.get("assignee")
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": [_("Choisissez un utilisateur actif de votre entreprise.")]})


def _default_agency(activity: Activity, actor):
    for name in RECORD_FIELDS:
        record = getattr(activity, name)
        if record is not None and record.agency_id:
            return record.agency
    return actor.agency


# --- Create, update ---------------------------------------------------------------------------------------

@transaction.atomic
def activity_create(*, actor, request=None, kind: str, subject: str, **data) -> Activity:
    """Log an interaction (call, note, e-mail, SMS, visit) or plan work (task, appointment)."""
    unknown = set(data) - CREATE_FIELDS
    if unknown:
        raise TypeError(f"activity_create() got unexpected fields {sorted(unknown)}")
    _require_edit(actor)
    _check_people_and_links(actor, data)
    now = timezone.now()
    attendees = data.pop("attendees", None)
    remind_before = data.pop("remind_before", None)
    data = {k: v for k, v in data.items() if not (v is None and k in ("assignee", "agency", "status"))}
    activity = Activity(organization_id=actor.organization_id, kind=kind, subject=subject, created_by=actor, **data)
    if kind in LOGGED_KINDS:
        activity.status = data.get("status") or ActivityStatus.DONE
    elif "status" not in data:
        activity.status = ActivityStatus.PLANNED
    if not activity.channel:
        activity.channel = DEFAULT_CHANNEL.get(kind, "")
    if "assignee" not in data:
        activity.assignee = actor
    if "agency" not in data:
        activity.agency = _default_agency(activity, actor)
    _normalise(activity, now=now)
    errors: dict[str, list[str]] = {}
    if kind in PLANNED_KINDS:
        try:
            _reminder(activity, remind_before)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _set_occurred_at(activity, now=now)
    if activity.status == ActivityStatus.DONE:
        activity.completed_at = activity.occurred_at if kind in LOGGED_KINDS else now
    _clean_and_save(activity, errors=errors, now=now, dates_changed=True, reminder_before=None)
    if attendees:
        activity.attendees.set(attendees)
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, request=None, **data) -> Activity:
    """Change the details of an activity. Its kind and status change only through their own actions."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"activity_update() got unexpected fields {sorted(unknown)}")
    _require_change(actor, activity)
    # Links already in place stay valid even if the actor could not pick them today.
    changed_links = {k: v for k, v in data.items() if k in RECORD_FIELDS and getattr(activity, f"{k}_id") != getattr(
        v, "pk", None)}
    _check_people_and_links(actor, {**{k: v for k, v in data.items() if k not in RECORD_FIELDS}, **changed_links})
    now = timezone.now()
    attendees = data.pop("attendees", None)
    remind_before = data.pop("remind_before", None)
    dates_before = (activity.due_at, activity.start_at)
    reminder_before = activity.remind_at
    for key, value in data.items():
        setattr(activity, key, value)
    if activity.kind in PLANNED_KINDS and activity.start_at is None and activity.due_at is None:
        activity.occurred_at = None  # recomputed: the planned date was removed
    _normalise(activity, now=now)
    errors: dict[str, list[str]] = {}
    if activity.kind in PLANNED_KINDS:
        try:
            _reminder(activity, remind_before)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _clean_and_save(activity, errors=errors, now=now, reminder_before=reminder_before,
                    dates_changed=(activity.due_at, activity.start_at) != dates_before)
    if attendees is not None:
        activity.attendees.set(attendees)
    return activity


# --- Actions ------------------------------------------------------------------------------------------------

@transaction.atomic
def activity_complete(*, actor, activity: Activity, request=None) -> Activity:
    """Mark planned work as done (now)."""
    _require_change(actor, activity)
    if activity.status == ActivityStatus.DONE:
        raise ValidationError({"status": [_("Cette activité est déjà faite.")]})
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": [_("Une activité annulée ne peut pas être marquée comme faite.")]})
    activity.status = ActivityStatus.DONE
    activity.completed_at = timezone.now()
    activity.save(update_fields=["status", "completed_at", "updated_at"])
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, request=None) -> Activity:
    """Cancel planned work; its reminder no longer fires."""
    _require_change(actor, activity)
    if activity.status == ActivityStatus.DONE:
        raise ValidationError({"status": [_("Une activité faite ne peut pas être annulée.")]})
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": [_("Cette activité est déjà annulée.")]})
    activity.status = ActivityStatus.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_reschedule(*, actor, activity: Activity, request=None, start_at=None, end_at=None,
                        due_at=None) -> Activity:
    """Move planned work to a new start (appointment: the length is kept unless `end_at` is given)
    or a new due date (task). The reminder moves with it."""
    _require_change(actor, activity)
    if activity.status != ActivityStatus.PLANNED or activity.kind not in PLANNED_KINDS:
        raise ValidationError({NON_FIELD_ERRORS: [_("Seule une tâche ou un rendez-vous à faire peut être déplacé.")]})
    old = activity.start_at or activity.due_at
    if activity.kind == ActivityKind.APPOINTMENT:
        if start_at is None:
            raise ValidationError({"start_at": [_("Indiquez le nouveau début.")]})
        length = (activity.end_at - activity.start_at) if activity.end_at else DEFAULT_APPOINTMENT_LENGTH
        activity.start_at, activity.end_at = start_at, end_at or start_at + length
        new = start_at
    else:
        new = due_at or start_at
        if new is None:
            raise ValidationError({"due_at": [_("Indiquez la nouvelle échéance.")]})
        activity.due_at = new
    reminder_before = activity.remind_at
    if activity.remind_at and old:
        activity.remind_at = activity.remind_at + (new - old)
    activity.occurred_at = new
    return _clean_and_save(activity, errors={}, now=timezone.now(), dates_changed=True,
                           reminder_before=reminder_before)


# --- Reminders ----------------------------------------------------------------------------------------------

def _when_text(activity: Activity) -> str:
    at = activity.start_at or activity.due_at
    if at is None:
        return ""
    when = formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")
    if activity.kind == ActivityKind.APPOINTMENT:
        return _("Rendez-vous le %(when)s") % {"when": when}
    return _("Échéance le %(when)s") % {"when": when}


def _about(activity: Activity) -> str:
    return " · ".join(str(r) for r in (activity.contact, activity.account, activity.lead) if r is not None)


def _send_reminder(activity: Activity) -> None:
    recipients = {u.pk: u for u in activity.attendees.all()}
    owner = activity.assignee or activity.created_by
    if owner is not None:
        recipients[owner.pk] = owner
    url = activity.get_absolute_url()
    for user in recipients.values():
        if not user.is_active or user.organization_id != activity.organization_id:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            title = _("Rappel : %(subject)s") % {"subject": activity.subject}
            body = " — ".join(p for p in (_when_text(activity), _about(activity)) if p)
            # The e-mail is this module's own (with the place and the date); the user's in-app choice
            # is honoured by notify(). By e-mail: when the activity asks for it, or the user always wants it.
            notify(user=user, kind="activity.reminder", title=title, body=body, url=url, email=False,
                   about=activity.contact or activity.account,
                   event_key=f"reminder:{activity.pk}:{activity.remind_at:%Y%m%d%H%M}")
            always = preference_for(user, "activity.reminder")["email"]
            if ((activity.remind_by_email and user == owner) or always) and user.email:
                text = render_to_string("activities/email/reminder.txt", {
                    "user": user, "activity": activity, "when": _when_text(activity), "about": _about(activity),
                    "link": f"{settings.SITE_URL}{url}",
                })
                subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{title}"
                transaction.on_commit(lambda s=subject, t=text, to=user.email: send_mail(s, t, None, [to]))


def reminders_send_due(*, now=None, limit: int = REMINDER_BATCH) -> int:
    """Send the reminders whose time has come and that were not sent yet; returns how many.

    Idempotent and safe with several workers: each reminder is claimed by a conditional
    UPDATE (`reminded_at` still empty) before anything is sent, so it goes out once."""
    now = now or timezone.now()
    due = list(
        Activity.objects.filter(
            status=ActivityStatus.PLANNED, remind_at__isnull=False, remind_at__lte=now, reminded_at__isnull=True
        )
        .select_related("assignee", "created_by", "contact", "account", "lead")
        .prefetch_related("attendees")
        .order_by("remind_at", "pk")[:limit]
    )
    sent = 0
    for activity in due:
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            activity.reminded_at = now
            _send_reminder(activity)
            sent += 1
    return sent
