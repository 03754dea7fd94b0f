"""`{% load data_tags %}{% export_buttons "contacts" %}`: the "Exporter" buttons of a list page.
They post the page's current query string (filters, search, sort) to data:export; shown
only to users allowed "data.export"."""

from django import template

from assura.core.permissions import user_can

register = template.Library()


@register.inclusion_tag("core/data/_export_buttons.html", takes_context=True)
def export_buttons(context, kind: str):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = request is not None and user_can(user, "data.export")
    return {
        "allowed": allowed, "kind": kind, "csrf_token": context.get("csrf_token"),
        "query": request.GET.urlencode() if allowed else "", "next": request.get_full_path() if allowed else "",
    }
