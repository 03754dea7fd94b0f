
from django import template
from django.utils import timezone

from assura.core.money import format_da

register = template.Library()


register.filter("da", format_da)


@register.filter
def is_past(day) -> bool:
    return bool(day) and day < timezone.localdate()


@register.filter
def duration_days(delta) -> str:
    days = delta.total_seconds() / 86400
    if days < 1:
        hours = int(delta.total_seconds() // 3600)
        return f"{hours} h"
    return f"{days:.1f} j".replace(".", ",")


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
