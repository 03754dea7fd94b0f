"""`{% load attachment_tags %}{% attachments_panel object %}`: the files of a record, with an upload form."""

from django import template

from assura.core.views_attachments import attachments_panel_context

register = template.Library()


@register.inclusion_tag("core/attachments/_panel.html", takes_context=True)
def attachments_panel(context, record):
    ctx = attachments_panel_context(context["request"], record)
    ctx["csrf_token"] = context.get("csrf_token")
    return ctx
