"""`{% timeline_panel record %}`: the timeline of a contact, account or lead, on its page."""

from django import template

from assura.activities import selectors

register = template.Library()


@register.inclusion_tag("activities/partials/_timeline.html", takes_context=True)
def timeline_panel(context, record, limit=50):
    request = context["request"]
    return {
        "record": record,
        "entries": selectors.timeline(user=request.user, record=record, limit=limit),
        "request": request,
    }
