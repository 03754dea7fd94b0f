"""Pages of the activities app: list, detail, log/plan, edit, actions, the timeline panel,
the calendar, and the user's notifications.

Reads go through the selectors (`visible_to(user)`: another company's row is a 404);
writes through the services (403 when the role or the ownership refuses, nothing changed).
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.activities import selectors, services
from assura.activities.choices import ActivityKind, ActivityStatus
from assura.activities.filters import SCOPE_AGENCY, SCOPE_MINE, ActivityFilterSet
from assura.activities.forms import (
    ActivityForm,
    NotificationPreferencesForm,
    ReminderForm,
    RescheduleForm,
    default_start,
)
from assura.activities.models import Activity
from assura.activities.tables import ActivityTable
from assura.activities.templatetags.activity_tags import panel_context, quick_links
from assura.core.models import Notification
from assura.core.notifications import preferences_of
from assura.core.permissions import Role, user_can
from assura.core.records import notification_preferences_set, notifications_mark_read
from assura.core.views import (
    TenantActionView,
    TenantDetailView,
    TenantListView,
    TenantObjectMixin,
    TenantUpdateView,
    WorkspaceMixin,
    apply_validation_error,
)
from assura.customers.views import AccountDetailView, ContactDetailView, tab_url

MY_TASKS = {"scope": SCOPE_MINE, "status": ActivityStatus.PLANNED}


def safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return fallback


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


# --- List, detail -----------------------------------------------------------------------------------------

class ActivityListView(TenantListView):
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilterSet
    template_name = "activities/activity_list.html"
    page_title = _("Activités")
    create_url_name = "activities:activity_create"
    create_action = "activities.edit"

    def get(self, request, *args, **kwargs):
        # An Utilisateur lands on "Mes tâches": their own work still to do.
        if not request.GET and request.user.role == Role.USER and not getattr(request, "htmx", False):
            return redirect(f"{request.path}?scope={MY_TASKS['scope']}&status={MY_TASKS['status']}")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouvelle activité")
        ctx["my_tasks_query"] = f"scope={MY_TASKS['scope']}&status={MY_TASKS['status']}"
        ctx["is_my_tasks"] = all(self.request.GET.get(k) == v for k, v in MY_TASKS.items())
        return ctx


class ActivityDetailView(TenantDetailView):
    model = Activity
    template_name = "activities/activity_detail.html"
    select_related = (*selectors.LIST_RELATED, "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity = self.object
        ctx["page_title"] = activity.subject
        ctx["can_change"] = services.activity_can_change(self.request.user, activity)
        ctx["attendees"] = list(activity.attendees.all())
        if activity.status == ActivityStatus.PLANNED and activity.kind in services.PLANNED_KINDS:
            at = timezone.localtime(activity.start_at or activity.due_at or activity.occurred_at)
            ctx["reschedule_form"] = RescheduleForm(activity=activity, initial={"date": at.date(), "time": at.time()})
        return ctx


# --- Log, plan, edit -----------------------------------------------------------------------------------------

class ActivityCreateView(WorkspaceMixin, generic.TemplateView):
    """Log or plan an activity: `/activities/new/?kind=call&contact=<id>` (or account, lead).
    From the timeline panel (HTMX) it answers with the panel, re-rendered."""

    template_name = "activities/activity_form.html"
    required_action = "activities.edit"

    def setup_activity(self):
        request = self.request
        params = request.GET
        self.record = None
        if any(params.get(f) for f in selectors.RECORD_FIELDS):
            self.record = selectors.record_from_params(user=request.user, params=params)
        kinds = [k for k, _label in ActivityKind.choices]
        if self.record is None:
            kinds = [k for k in kinds if k in services.PLANNED_KINDS]
        default = ActivityKind.NOTE if self.record is not None else ActivityKind.TASK
        kind = request.POST.get("kind") or params.get("kind") or default
        self.kind = kind if kind in kinds else default
        self.kinds = [(k, label) for k, label in ActivityKind.choices if k in kinds]
        self.quick = getattr(request, "htmx", False) and request.htmx.target in ("timeline", "timeline-form")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.organization_id:
            self.setup_activity()
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None):
        initial = {}
        if self.kind == ActivityKind.APPOINTMENT:
            initial["start_at"] = default_start()
        elif self.kind == ActivityKind.TASK:
            initial["due_at"] = default_start()
        return ActivityForm(data, user=self.request.user, kind=self.kind, quick=self.quick, initial=initial)

    def get(self, request, *args, **kwargs):
        form = self.make_form()
        if self.quick:
            return render(request, "activities/partials/_quicklog.html", {
                "quick_form": form, "quick_kind": self.kind, **quick_links(request, self.record),
            })
        return self.render_page(form)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                activity = services.activity_create(
                    actor=request.user, request=request, kind=self.kind, **form.service_data(),
                    **({selectors.record_field(self.record): self.record} if self.record is not None else {}),
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                message = _g("%(kind)s enregistré(e) : %(subject)s") % {
                    "kind": activity.get_kind_display(), "subject": activity.subject}
                if self.quick:
                    return render(request, "activities/partials/_timeline.html",
                                  panel_context(request, self.record, message=message))
                messages.success(request, message)
                return HttpResponseRedirect(safe_next(request, activity.get_absolute_url()))
        if self.quick:
            return render(request, "activities/partials/_timeline.html",
                          panel_context(request, self.record, quick_form=form, quick_kind=self.kind))
        return self.render_page(form)

    def render_page(self, form):
        return self.render_to_response(self.get_context_data(
            form=form, kind=self.kind, kinds=self.kinds,
            page_title=_("Nouvelle activité"), cancel_url=safe_next(self.request, reverse("activities:activity_list")),
            **quick_links(self.request, self.record),
        ))


class ActivityUpdateView(TenantUpdateView):
    model = Activity
    form_class = ActivityForm
    template_name = "activities/activity_form.html"
    page_title = _("Modifier l'activité")
    select_related = (*selectors.LIST_RELATED,)

    def get_required_action(self):
        return "activities.edit"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not services.activity_can_change(self.request.user, self.object):
            raise PermissionDenied
        kwargs["kind"] = self.object.kind
        return kwargs

    def perform(self, form):
        return services.activity_update(actor=self.request.user, activity=self.object, request=self.request,
                                        **form.service_data())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kind"] = self.object.kind
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


class ActivityCompleteView(TenantActionView):
    model = Activity
    required_action = "activities.edit"
    success_message = _("Activité marquée comme faite.")
    service = services.activity_complete
    service_object_arg = "activity"


class ActivityCancelView(TenantActionView):
    model = Activity
    required_action = "activities.edit"
    success_message = _("Activité annulée.")
    service = services.activity_cancel
    service_object_arg = "activity"


class ActivityRescheduleView(TenantObjectMixin, generic.View):
    """Move an appointment or a task to a new day (and time): the calendar's drag and drop posts
    here (JSON answer: 200, 400 with the reason, 403, 404), and so does the "Déplacer" form."""

    model = Activity
    http_method_names = ["post"]

    def refuse(self, status: int, errors: dict[str, list[str]]):
        message = next((m for ms in errors.values() for m in ms), "")
        if wants_json(self.request):
            return JsonResponse({"ok": False, "message": message, "errors": errors}, status=status)
        if status == 403:
            raise PermissionDenied(message)
        messages.error(self.request, message)
        return HttpResponseRedirect(safe_next(self.request, self.activity.get_absolute_url()))

    def post(self, request, *args, **kwargs):
        self.activity = activity = self.get_object()
        form = RescheduleForm(request.POST, activity=activity)
        if not form.is_valid():
            return self.refuse(400, {f: [str(m) for m in ms] for f, ms in form.errors.items()})
        try:
            activity = services.activity_reschedule(actor=request.user, activity=activity, request=request,
                                                    **form.service_data())
        except PermissionDenied as exc:
            return self.refuse(403, {NON_FIELD_ERRORS: [str(exc) or _g("Action refusée : vous n’avez pas la "
                                                                        "permission.")]})
        except ValidationError as exc:
            return self.refuse(400, error_messages(exc))
        at = timezone.localtime(activity.occurred_at)
        message = _g("« %(subject)s » déplacé au %(when)s.") % {
            "subject": activity.subject, "when": at.strftime("%d/%m/%Y %H:%M")}
        if wants_json(request):
            return JsonResponse({"ok": True, "id": activity.pk, "date": at.date().isoformat(),
                                 "time": at.strftime("%H:%M"), "message": message})
        messages.success(request, message)
        return HttpResponseRedirect(safe_next(request, activity.get_absolute_url()))


# --- Timeline -------------------------------------------------------------------------------------------------

class TimelineView(WorkspaceMixin, generic.TemplateView):
    """`/activities/timeline/?contact=<id>&kind=…&channel=…[&cursor=…]`: the panel (filter bar) or,
    with a cursor, the next entries ("voir plus"). 404 when the record is not visible."""

    template_name = "activities/timeline_page.html"

    def get(self, request, *args, **kwargs):
        record = selectors.record_from_params(user=request.user, params=request.GET)
        kinds = [k for k in request.GET.getlist("kind") if k][:1]
        channels = [c for c in request.GET.getlist("channel") if c][:1]
        cursor = request.GET.get("cursor") or None
        ctx = panel_context(request, record, kinds=kinds, channels=channels, cursor=cursor)
        if getattr(request, "htmx", False):
            partial = "_timeline_entries.html" if cursor else "_timeline.html"
            return render(request, f"activities/partials/{partial}", ctx)
        ctx["page_title"] = _g("Historique : %(record)s") % {"record": record}
        return self.render_to_response(ctx)


# --- Calendar ---------------------------------------------------------------------------------------------------

VIEWS = ("month", "week", "day")


def parse_day(value) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return timezone.localdate()


def aware(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


class CalendarView(WorkspaceMixin, generic.TemplateView):
    """Month, week or day grid of the user's (or their agency's) appointments and dated tasks.
    Server-rendered; static/js/calendar.js adds drag and drop, the "Déplacer" form does without."""

    template_name = "activities/calendar.html"
    page_title = _("Calendrier")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
        scope = SCOPE_AGENCY if request.GET.get("scope") == SCOPE_AGENCY else SCOPE_MINE
        day = parse_day(request.GET.get("date"))
        today = timezone.localdate()
        first_weekday = (int(get_format("FIRST_DAY_OF_WEEK")) + 6) % 7  # Django counts from Sunday, Python Monday
        if view == "month":
            weeks = pycalendar.Calendar(first_weekday).monthdatescalendar(day.year, day.month)
            start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
            prev_day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
            next_day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        elif view == "week":
            start = day - timedelta(days=(day.weekday() - first_weekday) % 7)
            end = start + timedelta(days=7)
            prev_day, next_day = day - timedelta(days=7), day + timedelta(days=7)
        else:
            start, end = day, day + timedelta(days=1)
            prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
        items = selectors.calendar_items(user=user, start=aware(start), end=aware(end), scope=scope)
        by_day, by_hour = defaultdict(list), defaultdict(list)
        for item in items:
            at = timezone.localtime(item.occurred_at)
            item.local_at = at
            item.can_move = item.status == ActivityStatus.PLANNED and services.activity_can_change(user, item)
            by_day[at.date()].append(item)
            by_hour[(at.date(), at.hour)].append(item)
        days = [start + timedelta(days=i) for i in range((end - start).days)]

        def cell(d):
            return {"date": d, "items": by_day.get(d, []), "is_today": d == today, "is_past": d < today,
                    "in_month": d.month == day.month}

        if view == "month":
            ctx["weeks"] = [[cell(d) for d in week] for week in weeks]
            ctx["weekdays"] = list(weeks[0])
        else:
            ctx["columns"] = [cell(d) for d in days]
            ctx["hours"] = [
                {"hour": h, "label": f"{h:02d}:00",
                 "cells": [{"date": d, "items": by_hour.get((d, h), []), "is_past": d < today,
                            "is_today": d == today} for d in days]}
                for h in range(24)
            ]
        query = {"view": view, "scope": scope}
        ctx.update({
            "view": view, "scope": scope, "day": day, "today": today, "start": start, "end": end - timedelta(days=1),
            "items": items, "query": query, "can_plan": user_can(user, "activities.edit"),
            "prev_date": prev_day.isoformat(), "next_date": next_day.isoformat(), "today_date": today.isoformat(),
            "views": [("month", _("Mois")), ("week", _("Semaine")), ("day", _("Jour"))],
            "has_agency": bool(user.agency_id),
        })
        return ctx


# --- Notifications ------------------------------------------------------------------------------------------------

class NotificationListView(WorkspaceMixin, generic.TemplateView):
    template_name = "activities/notification_list.html"
    page_title = _("Notifications")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.notification_list(user=self.request.user)
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        ctx["page"] = Paginator(qs, 25).get_page(self.request.GET.get("page"))
        ctx["unread_count"] = selectors.notification_unread_count(user=self.request.user)
        ctx["only_unread"] = bool(self.request.GET.get("unread"))
        return ctx


class NotificationBellView(WorkspaceMixin, generic.TemplateView):
    """The unread count of the top bar's bell, fetched after the page (and refreshed) by HTMX."""

    template_name = "activities/partials/_bell_count.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.organization_id:
            return HttpResponse(status=286)  # signed out meanwhile: HTMX stops polling
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unread_count"] = selectors.notification_unread_count(user=self.request.user)
        return ctx


class NotificationReadView(TenantObjectMixin, generic.View):
    """Mark one of the user's notifications read; with `open`, go to what it is about."""

    model = Notification
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        notifications_mark_read(user=request.user, ids=[notification.pk])
        if request.POST.get("open") and notification.url and url_has_allowed_host_and_scheme(
                notification.url, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(notification.url)
        return HttpResponseRedirect(safe_next(request, reverse("activities:notification_list")))


class NotificationReadAllView(WorkspaceMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        count = notifications_mark_read(user=request.user)
        if count:
            messages.success(request, _g("Toutes les notifications sont marquées comme lues."))
        return HttpResponseRedirect(safe_next(request, reverse("activities:notification_list")))



class NotificationPreferencesView(WorkspaceMixin, generic.FormView):
    """The user's own choice, per category, of in-app notifications and e-mails."""

    template_name = "activities/notification_preferences.html"
    form_class = NotificationPreferencesForm
    page_title = _("Préférences de notification")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "preferences": preferences_of(self.request.user)}

    def form_valid(self, form):
        notification_preferences_set(actor=self.request.user, preferences=form.preferences())
        messages.success(self.request, _g("Préférences de notification enregistrées."))
        return HttpResponseRedirect(reverse("activities:notification_preferences"))


# --- The customer profile's "Nouveau rappel" --------------------------------------------------------------------

class ReminderCreateMixin:
    """POST a reminder from a customer's Rappels tab: a task on the customer, assigned to the user,
    due and reminded at the chosen moment. Errors are shown on the tab (never a 500)."""

    http_method_names = ["post"]
    required_action = "activities.edit"
    record_field: str

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = ReminderForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.activity_create(
                    actor=request.user, request=request, kind=ActivityKind.TASK, subject=data["subject"],
                    due_at=data["remind_at"], remind_at=data["remind_at"], remind_by_email=data["remind_by_email"],
                    assignee=request.user, **{self.record_field: self.object})
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "due_at" in exc.error_dict:
                    exc.error_dict.setdefault("remind_at", []).extend(exc.error_dict.pop("due_at"))
                apply_validation_error(form, exc)
            else:
                messages.success(request, _g("Rappel créé."))
                return HttpResponseRedirect(tab_url(self.object, "rappels"))
        self.reminder_form = form
        self.forced_tab = "rappels"
        return self.render_to_response(self.get_context_data(object=self.object))


class ContactReminderCreateView(ReminderCreateMixin, ContactDetailView):
    record_field = "contact"


class AccountReminderCreateView(ReminderCreateMixin, AccountDetailView):
    record_field = "account"
