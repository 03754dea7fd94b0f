
from django import template
from django.utils.html import format_html

from assura.core.money import format_da

register = template.Library()

COLOURS = {
    "en_vigueur": "success", "suspendue": "warning", "resiliee": "danger", "expiree": "secondary",
    "renouvelee": "info", "en_cours": "primary", "accepte": "success", "refuse": "danger",
    "declare": "primary", "instruction": "info", "expertise": "info", "offre": "warning", "regle": "success",
    "classe": "secondary", "a_echoir": "secondary", "echue": "warning", "payee": "success",
    "partielle": "info", "impayee": "danger",
}


da = register.filter("da", format_da)


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
