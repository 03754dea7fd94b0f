"""`{% timeline_panel record %}`: the timeline of a contact, account or lead, on its page;
and the small helpers the activity templates share (icons, record links)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from assura.activities import selectors
from assura.activities.choices import ActivityChannel, ActivityKind
from assura.core.permissions import user_can

register = template.Library()

KIND_ICONS = {
    ActivityKind.TASK: "check2-square",
    ActivityKind.APPOINTMENT: "calendar-event",
    ActivityKind.CALL: "telephone",
    ActivityKind.NOTE: "sticky",
    ActivityKind.EMAIL: "envelope",
    ActivityKind.SMS: "chat-dots",
    ActivityKind.VISIT: "shop",
    selectors.CHANGE: "pencil-square",
}
# What the timeline's quick form offers: log what happened, plan what comes.
QUICK_KINDS = (
    (ActivityKind.CALL, _("Appel"), _("Consigner un appel")),
    (ActivityKind.NOTE, ActivityKind.NOTE.label, _("Ajouter une note")),
    (ActivityKind.VISIT, _("Visite"), _("Consigner une visite")),
    (ActivityKind.TASK, _("Tâche"), _("Planifier une tâche")),
    (ActivityKind.APPOINTMENT, _("Rendez-vous"), _("Planifier un rendez-vous")),
)
PAGE_SIZE = 20


@register.filter
def activity_icon(kind) -> str:
    return KIND_ICONS.get(kind, "circle")


@register.filter
def record_url(record) -> str:
    """The record's page, or "" while that page does not exist yet."""
    try:
        return record.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


@register.filter
def duration(seconds) -> str:
    """A call's length: "45 s", "3 min 05 s", "1 h 02 min"."""
    if seconds in (None, ""):
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def quick_links(request, record) -> dict:
    """What a form logging an activity on `record` needs to post and come back."""
    field = selectors.record_field(record) if record is not None else ""
    return {
        "record": record,
        "record_field": field,
        "record_query": urlencode({field: record.pk}) if record is not None else "",
        "create_url": reverse("activities:activity_create"),
        "timeline_url": reverse("activities:timeline"),
        "next_url": page_path(request),
    }


def panel_context(request, record, *, kinds=(), channels=(), cursor=None, quick_form=None, quick_kind=None,
                  message=None, limit=PAGE_SIZE) -> dict:
    """Everything the timeline panel (and its "voir plus" pages) renders."""
    page = selectors.timeline_page(user=request.user, record=record, kinds=kinds, channels=channels, cursor=cursor,
                                   limit=limit)
    links = quick_links(request, record)
    filters = {links["record_field"]: record.pk, "kind": kinds[0] if kinds else "",
               "channel": channels[0] if channels else ""}
    more = f"{links['timeline_url']}?{urlencode({**filters, 'cursor': page.next_cursor})}" if page.next_cursor else ""
    return {
        **links,
        "entries": page.entries,
        "cursor": cursor,
        "more_url": more,
        "kind_choices": [*ActivityKind.choices, (selectors.CHANGE, _("Modification de champ"))],
        "channel_choices": ActivityChannel.choices,
        "selected_kind": filters["kind"],
        "selected_channel": filters["channel"],
        "quick_kinds": QUICK_KINDS,
        "quick_form": quick_form,
        "quick_kind": quick_kind,
        "can_log": user_can(request.user, "activities.edit"),
        "message": message,
        "request": request,
    }


def page_path(request) -> str:
    """The page the user is on: for an HTMX request, the page that sent it."""
    current = getattr(getattr(request, "htmx", None), "current_url_abs_path", None) if getattr(
        request, "htmx", False) else None
    return current or request.get_full_path()


@register.inclusion_tag("activities/partials/_timeline.html", takes_context=True)
def timeline_panel(context, record, limit=PAGE_SIZE):
    return panel_context(context["request"], record, limit=limit)
