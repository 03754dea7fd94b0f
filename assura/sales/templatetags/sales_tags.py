from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format

register = template.Library()


@register.filter
def dzd(value) -> str:
    """12 345,50 DZD (the locale's separators), exact: never through a float."""
    if value in (None, ""):
        return "—"
    return f"{number_format(Decimal(value).quantize(Decimal('0.01')), 2, force_grouping=True)} DZD"


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
