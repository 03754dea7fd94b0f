"""The customer profile's Notifications and Rappels tabs, added to the contact and account pages
through customers' tab registry (customers imports nothing of this). Fixed query counts: the
Notifications tab reads the user's notifications about the record in one query and each module's
upcoming dates in its own fixed number; the Rappels tab reads the reminders in two."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from assura.activities import selectors
from assura.activities.forms import ReminderForm
from assura.core.permissions import user_can
from assura.core.upcoming import Upcoming, register_upcoming, upcoming_for

BIRTHDAY_DAYS = 30


def next_birthday(birth_date: datetime.date | None, on: datetime.date) -> datetime.date | None:
    """The next birthday on or after `on` (29 February: the 28th in a common year)."""
    if birth_date is None:
        return None
    for year in (on.year, on.year + 1):
        try:
            day = birth_date.replace(year=year)
        except ValueError:
            day = datetime.date(year, 2, 28)
        if day >= on:
            return day
    return None


def birthday_upcoming(*, user, record, on) -> list[Upcoming]:
    """No query: the birth date is on the record already read."""
    day = next_birthday(getattr(record, "birth_date", None), on)
    if day is None or (day - on).days > BIRTHDAY_DAYS:
        return []
    label = _g("Anniversaire aujourd'hui") if day == on else _g("Anniversaire")
    return [Upcoming(day, label, _g("%(age)s ans") % {"age": day.year - record.birth_date.year},
                     f"{record.get_absolute_url()}?tab=assure", "gift")]


def notifications_tab(view) -> dict:
    user, record = view.request.user, view.object
    return {
        "record_notifications": selectors.notifications_about(user=user, record=record),
        "upcoming": upcoming_for(user=user, record=record, on=timezone.localdate()),
    }


def reminders_tab(view) -> dict:
    user, record = view.request.user, view.object
    upcoming, past = selectors.reminders_about(user=user, record=record)
    can_create = user_can(user, "activities.edit")
    return {
        "upcoming_reminders": upcoming, "past_reminders": past, "can_create_reminder": can_create,
        "reminder_form": getattr(view, "reminder_form", None) or ReminderForm(),
        "reminder_create_url": reverse(f"activities:{record._meta.model_name}_reminder_create", args=[record.pk]),
    }


def register_tabs() -> None:
    from assura.customers.views import DetailTab, register_account_tab, register_contact_tab

    tabs = [
        DetailTab("notifications", _("Notifications"), "activities/profile/_notifications.html", 60,
                  context=notifications_tab),
        DetailTab("rappels", _("Rappels"), "activities/profile/_reminders.html", 61, context=reminders_tab),
    ]
    for tab in tabs:
        register_contact_tab(tab)
        register_account_tab(tab)
    register_upcoming("birthday", birthday_upcoming)
