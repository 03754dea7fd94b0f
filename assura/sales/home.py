"""Sections this module adds to the user home page (see assura.core.home): today's and overdue
tasks, upcoming appointments, reminders, opportunities closing soon. One query each."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.core.home import HomeSection, register_home_section

LIMIT = 8


def _attended(user) -> list[int]:
    """Ids of the activities the user attends, read once per request: as a subquery inside an OR,
    it kept PostgreSQL from using the assignee index and made it scan every activity (3 million)."""
    from assura.activities.models import Activity

    ids = getattr(user, "_home_attended_ids", None)
    if ids is None:
        ids = user._home_attended_ids = list(
            Activity.attendees.through.objects.filter(user=user).order_by("-activity_id")
            .values_list("activity_id", flat=True)[:1000])
    return ids


def _mine(user):
    from assura.activities.models import Activity

    return Activity.objects.visible_to(user).filter(
        Q(assignee=user) | Q(pk__in=_attended(user))
    ).select_related("contact", "account", "lead")


def tasks_today(user) -> dict:
    from assura.activities.choices import ActivityKind, ActivityStatus

    end = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=999999)
    items = list(_mine(user).filter(kind=ActivityKind.TASK, status=ActivityStatus.PLANNED, occurred_at__lte=end)
                 .order_by("occurred_at", "id")[:LIMIT])
    now = timezone.now()
    for item in items:
        item.late = item.occurred_at < now
    return {"items": items}


def appointments(user) -> dict:
    from assura.activities.choices import ActivityKind, ActivityStatus

    now = timezone.now()
    items = list(_mine(user).filter(kind=ActivityKind.APPOINTMENT, status=ActivityStatus.PLANNED,
                                    occurred_at__gte=now - timedelta(hours=1),
                                    occurred_at__lte=now + timedelta(days=14))
                 .order_by("occurred_at", "id")[:LIMIT])
    return {"items": items}


def reminders(user) -> dict:
    from assura.activities.choices import ActivityStatus

    now = timezone.now()
    items = list(_mine(user).filter(status=ActivityStatus.PLANNED, remind_at__isnull=False,
                                    remind_at__lte=now + timedelta(days=2))
                 .order_by("remind_at", "id")[:LIMIT])
    return {"items": items}


def opportunities_closing(user) -> dict:
    from assura.sales.selectors import closing_soon

    return {"items": closing_soon(user=user, limit=LIMIT)}


def register_sections() -> None:
    register_home_section(HomeSection("tasks_today", _("Mes tâches du jour et en retard"),
                                      "sales/home/_tasks.html", tasks_today, order=10))
    register_home_section(HomeSection("appointments", _("Rendez-vous à venir"), "sales/home/_appointments.html",
                                      appointments, order=20))
    register_home_section(HomeSection("reminders", _("Rappels"), "sales/home/_reminders.html", reminders, order=30))
    register_home_section(HomeSection("opportunities_closing", _("Opportunités à conclure bientôt"),
                                      "sales/home/_opportunities.html", opportunities_closing, order=40))
