"""Badges of the leads pages: `{% load lead_tags %}{% lead_status_badge lead %}{% lead_temperature_badge lead %}`."""

from django import template

from assura.leads.choices import LeadStatus, Temperature

register = template.Library()

STATUS_TONES = {
    LeadStatus.NEW: "primary", LeadStatus.CONTACTED: "info", LeadStatus.QUALIFIED: "warning",
    LeadStatus.CONVERTED: "success", LeadStatus.LOST: "secondary",
}
TEMPERATURE_TONES = {Temperature.COLD: "info", Temperature.WARM: "warning", Temperature.HOT: "danger"}


@register.inclusion_tag("core/partials/_badge.html")
def lead_status_badge(lead):
    return {"tone": STATUS_TONES.get(lead.status, "secondary"), "label": lead.get_status_display(),
            "value": lead.status}


@register.inclusion_tag("core/partials/_badge.html")
def lead_temperature_badge(lead):
    return {"tone": TEMPERATURE_TONES.get(lead.temperature, "secondary"), "label": lead.get_temperature_display(),
            "value": lead.temperature}
