"""Template helpers of the UI shell."""

from django import template

from assura.core.forms_renderer import render_select_field

register = template.Library()

_SELECTS = {"select", "selectmultiple", "nullbooleanselect"}


@register.simple_tag
def widget_bs(field, small=False):
    """Render a form field's widget with Bootstrap classes and ARIA error wiring."""
    widget = field.field.widget
    kind = widget.__class__.__name__.lower()
    input_type = getattr(widget, "input_type", None)
    if input_type == "checkbox" or input_type == "radio":
        css = "form-check-input"
    elif kind in _SELECTS or input_type == "select":
        css = "form-select"
    else:
        css = "form-control"
    if small and css != "form-check-input":
        css += f" {css}-sm"
    attrs = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    described = []
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_error")
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    fast = render_select_field(field, attrs)
    return fast if fast is not None else field.as_widget(attrs=attrs)


@register.inclusion_tag("core/partials/_badge.html")
def status_badge(value, label=None):
    tones = {
        "active": "success", "succeeded": "success", "invited": "warning", "queued": "secondary",
        "running": "info", "deactivated": "secondary", "failed": "danger", "cancelled": "secondary",
    }
    return {"tone": tones.get(str(value), "secondary"), "label": label or value, "value": value}
