"""The form renderer: Django's, with <select> written in Python.

Django renders a select through two templates per option (the option and its attributes):
a list page's filter bar with a few hundred options spent most of its time there. The
output is the same markup as django/forms/widgets/select.html; any other widget, or a select
with custom option templates, goes through the templates as usual.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False omitted, True as a bare attribute.
    return "".join(
        f" {conditional_escape(name)}" if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


def render_select(widget: dict) -> str:
    parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            parts.append(format_html('\n  <option value="{}"', str(option["value"])))
            parts.append(_attrs(option["attrs"]))
            parts.append(format_html(">{}</option>", option["label"]))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget is not None and all(
            option.get("template_name") == OPTION for _n, options, _i in widget["optgroups"] for option in options
        ):
            return render_select(widget)
        return super().render(template_name, context, request)


def render_select_field(bound_field, attrs: dict) -> str | None:
    """A bound field's <select>, written straight from its choices: the markup of
    `bound_field.as_widget(attrs)` without building Django's per-option dictionaries (a filter
    bar offering 800 people and 320 agencies spent half the page's time there). None when the
    widget is not a plain select (custom templates, radios…): the caller renders it as usual."""
    widget = bound_field.field.widget
    if (not isinstance(widget, forms.Select) or widget.template_name != SELECT
            or widget.option_template_name != OPTION or widget.option_inherits_attrs or widget.is_hidden):
        return None
    attrs = bound_field.build_widget_attrs(dict(attrs), widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    final = widget.build_attrs(widget.attrs, attrs)
    if widget.allow_multiple_selected:
        final["multiple"] = True
    values = widget.format_value(bound_field.value())
    multiple, has_selected = widget.allow_multiple_selected, False
    parts = [format_html('<select name="{}"', bound_field.html_name), _attrs(final), ">"]
    for option_value, option_label in widget.choices:
        if isinstance(option_label, list | tuple):
            group, choices = option_value, option_label
            parts.append(format_html('\n  <optgroup label="{}">', group))
        else:
            group, choices = None, [(option_value, option_label)]
        for value, label in choices:
            text = "" if value is None else str(value)
            selected = (not has_selected or multiple) and text in values
            has_selected |= selected
            parts.append(format_html('\n  <option value="{}"{}>{}</option>', text,
                                     mark_safe(" selected") if selected else "", label))  # noqa: S308
        if group is not None:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
