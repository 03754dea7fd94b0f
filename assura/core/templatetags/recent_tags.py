"""`{% load recent_tags %}{% recently_viewed %}`: the user's recently opened records (home pages)."""

from django import template

from assura.core.globalsearch import recent_views

register = template.Library()


@register.inclusion_tag("core/search/_recently_viewed.html", takes_context=True)
def recently_viewed(context, limit: int = 8):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"recent": recent_views(user=user, limit=limit) if user is not None else []}
