"""Forms of the activities app: they parse input; the services validate and write."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.activities.choices import ActivityChannel, ActivityKind, CallDirection, CallOutcome, Priority
from assura.activities.services import DEFAULT_APPOINTMENT_REMINDER, LOGGED_KINDS
from assura.core.notifications import CATEGORIES
from assura.identity.models import Agency

REMINDER_CHOICES = [
    ("", _("Pas de rappel")),
    ("0", _("À l'heure prévue")),
    ("15", _("15 minutes avant")),
    ("30", _("30 minutes avant")),
    ("60", _("1 heure avant")),
    ("1440", _("La veille (24 heures avant)")),
]
# Which inputs each kind shows: the form is one form, trimmed to the kind being logged or planned.
KIND_FIELDS = {
    ActivityKind.CALL: ("subject", "direction", "outcome", "duration_minutes", "occurred_at", "body", "channel"),
    ActivityKind.NOTE: ("subject", "body", "occurred_at", "channel"),
    ActivityKind.EMAIL: ("subject", "body", "occurred_at"),
    ActivityKind.SMS: ("subject", "body", "occurred_at"),
    ActivityKind.VISIT: ("subject", "place", "occurred_at", "body"),
    ActivityKind.TASK: ("subject", "due_at", "priority", "remind_before", "remind_by_email", "body", "channel"),
    ActivityKind.APPOINTMENT: ("subject", "start_at", "end_at", "place", "remind_before", "remind_by_email",
                               "body", "channel"),
}
FULL_FORM_EXTRA = ("assignee", "agency")  # on the full page, not on the timeline's quick form


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ActivityForm(forms.Form):
    """Log or plan one activity of a given kind. `quick=True` is the short form of the timeline."""

    subject = forms.CharField(label=_("Objet"), max_length=200)
    direction = forms.ChoiceField(label=_("Sens"), choices=CallDirection.choices, initial=CallDirection.OUTBOUND,
                                  required=False)
    outcome = forms.ChoiceField(label=_("Résultat"), choices=[("", "—"), *CallOutcome.choices], required=False)
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=0, max_value=24 * 60, required=False)
    occurred_at = forms.DateTimeField(label=_("Date et heure"), widget=DateTimeLocalInput(), required=False,
                                      help_text=_("Laissez vide pour maintenant."))
    due_at = forms.DateTimeField(label=_("Échéance"), widget=DateTimeLocalInput(), required=False)
    start_at = forms.DateTimeField(label=_("Début"), widget=DateTimeLocalInput(), required=False)
    end_at = forms.DateTimeField(label=_("Fin"), widget=DateTimeLocalInput(), required=False,
                                 help_text=_("Une heure après le début si vide."))
    place = forms.CharField(label=_("Lieu"), max_length=200, required=False)
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices, initial=Priority.NORMAL,
                                 required=False)
    channel = forms.ChoiceField(label=_("Canal"), choices=[("", "—"), *ActivityChannel.choices], required=False)
    remind_before = forms.ChoiceField(label=_("Me rappeler"), choices=REMINDER_CHOICES, required=False)
    remind_by_email = forms.BooleanField(label=_("Aussi par e-mail"), required=False)
    assignee = forms.ModelChoiceField(label=_("Assigné à"), queryset=get_user_model().objects.none(), required=False,
                                      help_text=_("Vous-même si vide."))
    agency = forms.ModelChoiceField(label=_("Agence"), queryset=Agency.objects.none(), required=False)
    body = forms.CharField(label=_("Détails"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user=None, kind=ActivityKind.NOTE, quick=False, instance=None, **kwargs):
        self.kind = kind
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {**self.initial_from(instance), **(kwargs.get("initial") or {})}
        if quick:
            kwargs.setdefault("auto_id", "quicklog_%s")  # the panel sits inside another record's page
        super().__init__(*args, **kwargs)
        keep = set(KIND_FIELDS[kind]) | (set() if quick else set(FULL_FORM_EXTRA))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = get_user_model().objects.visible_to(user).filter(is_active=True)
            self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)
            if instance is not None:
                self.fields["assignee"].help_text = ""
        if kind == ActivityKind.APPOINTMENT:
            self.fields["start_at"].required = True
            if instance is None:
                self.fields["remind_before"].initial = str(DEFAULT_APPOINTMENT_REMINDER)
        if instance is not None and "remind_before" in self.fields:
            minutes = self.reminder_minutes(instance)
            choices = list(REMINDER_CHOICES)
            if minutes is not None and str(minutes) not in dict(choices):
                choices.append((str(minutes), _("%(n)s minutes avant") % {"n": minutes}))
            self.fields["remind_before"].choices = choices
            self.initial.setdefault("remind_before", "" if minutes is None else str(minutes))
        if kind in LOGGED_KINDS and instance is not None:
            self.fields["occurred_at"].required = True
            self.fields["occurred_at"].help_text = ""
        for name in ("occurred_at", "due_at", "start_at", "end_at"):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("data-testid", f"activity-{name}")

    @staticmethod
    def initial_from(activity) -> dict:
        local = {f: timezone.localtime(getattr(activity, f)) if getattr(activity, f) else None
                 for f in ("occurred_at", "due_at", "start_at", "end_at")}
        return {
            **local, "subject": activity.subject, "direction": activity.direction, "outcome": activity.outcome,
            "duration_minutes": (activity.duration_seconds // 60) if activity.duration_seconds is not None else None,
            "place": activity.place, "priority": activity.priority, "channel": activity.channel,
            "remind_by_email": activity.remind_by_email, "assignee": activity.assignee_id,
            "agency": activity.agency_id, "body": activity.body,
        }

    @staticmethod
    def reminder_minutes(activity) -> int | None:
        anchor = activity.start_at or activity.due_at
        if activity.remind_at is None or anchor is None:
            return None
        return max(0, round((anchor - activity.remind_at).total_seconds() / 60))

    def service_data(self) -> dict:
        """The cleaned data as the services take it."""
        data = dict(self.cleaned_data)
        if "duration_minutes" in data:
            minutes = data.pop("duration_minutes")
            data["duration_seconds"] = minutes * 60 if minutes is not None else None
        if "remind_before" in data:
            data["remind_before"] = data["remind_before"] or None
            if self.instance is not None and data["remind_before"] is None:
                del data["remind_before"]
                data["remind_at"] = None  # "no reminder" chosen on the edit form
        if "priority" in data and not data["priority"]:
            data.pop("priority")
        if self.instance is None:
            for name in ("assignee", "agency"):
                if name in data and data[name] is None:
                    data.pop(name)  # left empty: the service's default (the actor, the record's agency)
        return data


class RescheduleForm(forms.Form):
    """A new day (and time) for an appointment or a task: what a drop on the calendar or the
    "Déplacer" form sends. Without a time, the item keeps its time of day."""

    date = forms.DateField(label=_("Nouvelle date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("Heure"), required=False, widget=forms.TimeInput(attrs={"type": "time"},
                                                                                      format="%H:%M"))

    def __init__(self, *args, activity=None, **kwargs):
        self.activity = activity
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        activity = self.activity
        current = activity.start_at or activity.due_at or activity.occurred_at
        current = timezone.localtime(current)
        at_time = self.cleaned_data.get("time") or current.time().replace(second=0, microsecond=0)
        new = timezone.make_aware(datetime.combine(self.cleaned_data["date"], at_time))
        if activity.kind == ActivityKind.APPOINTMENT:
            return {"start_at": new}
        return {"due_at": new}


def default_start(now=None):
    """The next full hour: a sensible default for a new appointment or task."""
    now = timezone.localtime(now or timezone.now())
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


class NotificationPreferencesForm(forms.Form):
    """Two boxes per notification category: in-app and e-mail (`<category>__in_app`, `<category>__email`)."""

    def __init__(self, *args, preferences: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for category in CATEGORIES:
            names = []
            for channel, label in (("in_app", _("Dans Assura")), ("email", _("Par e-mail"))):
                name = f"{category.key}__{channel}"
                self.fields[name] = forms.BooleanField(label=f"{category.label} — {label}", required=False,
                                                       initial=preferences[category.key][channel])
                names.append(name)
            self.rows.append((category, self[names[0]], self[names[1]]))

    def preferences(self) -> dict:
        prefs: dict[str, dict[str, bool]] = {}
        for name, value in self.cleaned_data.items():
            key, channel = name.split("__")
            prefs.setdefault(key, {})[channel] = value
        return prefs


class ReminderForm(forms.Form):
    """The profile's "Nouveau rappel": a task on the customer, due and reminded at one moment."""

    subject = forms.CharField(label=_("Objet"), max_length=200)
    remind_at = forms.DateTimeField(label=_("Date et heure"), widget=DateTimeLocalInput())
    remind_by_email = forms.BooleanField(label=_("Aussi par e-mail"), required=False)

    def clean_remind_at(self):
        value = self.cleaned_data["remind_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Choisissez une date et une heure à venir."))
        return value
