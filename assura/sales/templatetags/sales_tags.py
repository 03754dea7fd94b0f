from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

register = template.Library()


_SEPARATORS: dict[str | None, tuple] = {}
CENT = Decimal("0.01")


def _separators() -> tuple:
    """The active language's (decimal separator, thousands separator, grouping), read once."""
    language = get_language()
    found = _SEPARATORS.get(language)
    if found is None:
        found = _SEPARATORS[language] = (get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR"),
                                         get_format("NUMBER_GROUPING"))
    return found


@register.filter
def dzd(value) -> str:
    """12 345,50 DZD (the locale's separators), exact: never through a float. Written by hand from
    the locale's separators: a forecast table of 320 agencies × 12 months prints 17,000 amounts, and
    Django's number_format was most of its time. Same output (tested against number_format)."""
    if value in (None, ""):
        return "—"
    value = Decimal(value).quantize(CENT)
    decimal_sep, thousand_sep, grouping = _separators()
    if not isinstance(grouping, int) or grouping <= 0:
        return f"{number_format(value, 2, force_grouping=True)} DZD"
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    head = len(whole) % grouping or grouping
    groups = [whole[:head]] + [whole[i:i + grouping] for i in range(head, len(whole), grouping)]
    return f"{sign}{thousand_sep.join(groups)}{decimal_sep}{cents} DZD"


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
