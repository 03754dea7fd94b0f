from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()
NNBSP, NBSP = "\u202f", "\u00a0"

COLOURS = {
    "en_vigueur": "success", "suspendue": "warning", "resiliee": "danger", "expiree": "secondary",
    "renouvelee": "info", "en_cours": "primary", "accepte": "success", "refuse": "danger",
    "declare": "primary", "instruction": "info", "expertise": "info", "offre": "warning", "regle": "success",
    "classe": "secondary", "a_echoir": "secondary", "echue": "warning", "payee": "success",
    "partielle": "info", "impayee": "danger",
}


@register.filter
def da(value):
    """12345.5 → « 12 345,50 DA » (French grouping, never a float)."""
    if value in (None, ""):
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + NNBSP.join(groups) + "," + cents + NBSP + "DA"


@register.simple_tag
def status_badge(obj):
    status = obj.status
    return format_html('<span class="badge text-bg-{}" data-testid="status">{}</span>',
                       COLOURS.get(status, "secondary"), obj.get_status_display())


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def holder_param(record) -> str:
    return f"{record._meta.model_name}={record.pk}"
