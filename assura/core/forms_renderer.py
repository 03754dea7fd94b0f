"""The form renderer: Django's, with <select> written in Python.

Django renders a select through two templates per option (the option and its attributes):
a list page's filter bar with a few hundred options spent most of its time there. The
output is the same markup as django/forms/widgets/select.html; any other widget, or a select
with custom option templates, goes through the templates as usual.
"""

from __future__ import annotations

import hashlib
from html import escape as html_escape

from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models.signals import post_delete, post_save
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False omitted, True as a bare attribute.
    return "".join(
        f" {conditional_escape(name)}" if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _text(value) -> str:
    """conditional_escape without its lazy-argument wrapper (a filter bar writes 1,700 options)."""
    return value.__html__() if hasattr(value, "__html__") else html_escape(str(value))


def _select_html(name, attrs: dict, groups) -> str:
    """<select> markup from (group label or None, [(value, label, option attributes)]) groups."""
    parts = [format_html('<select name="{}"', name), _attrs(attrs), ">"]
    for group_name, options in groups:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for value, label, option_attrs in options:
            extra = _attrs(option_attrs) if option_attrs else ""
            parts.append(f'\n  <option value="{_text(value)}"{extra}>{_text(label)}</option>')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def render_select(widget: dict) -> str:
    return _select_html(widget["name"], widget["attrs"], [
        (group_name, [(str(o["value"]), o["label"], o["attrs"]) for o in options])
        for group_name, options, _index in widget["optgroups"]])


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
    choices = widget.choices
    if isinstance(choices, ModelChoiceIterator) and not choices.queryset._prefetch_related_lookups:
        choices = model_choices(choices)
    groups = []
    for option_value, option_label in choices:
        if isinstance(option_label, list | tuple):
            group, members = option_value, option_label
        else:
            group, members = None, [(option_value, option_label)]
        options = []
        for value, label in members:
            text = "" if value is None else str(value)
            selected = (not has_selected or multiple) and text in values
            has_selected |= selected
            options.append((text, label, {"selected": True} if selected else {}))
        groups.append((group, options))
    return _select_html(bound_field.html_name, final, groups)


# --- Choices read from the database -------------------------------------------------------------------

CHOICES_TTL = 300
_WATCHED: set[type] = set()


def _generation_key(model) -> str:
    return f"assura:choices-gen:{model._meta.label_lower}"


def _bump_generation(sender, **kwargs) -> None:
    try:
        cache.incr(_generation_key(sender))
    except ValueError:
        cache.set(_generation_key(sender), 1, None)


def choices_changed(model) -> None:
    """For writes that send no signal (queryset.update, bulk): the model's cached choices are stale."""
    _bump_generation(model)


def _watch(model) -> None:
    if model not in _WATCHED:
        _WATCHED.add(model)
        post_save.connect(_bump_generation, sender=model, dispatch_uid=f"choices-{model._meta.label_lower}")
        post_delete.connect(_bump_generation, sender=model, dispatch_uid=f"choices-{model._meta.label_lower}-del")


def model_choices(iterator: ModelChoiceIterator) -> list[tuple[str, str]]:
    """The (value, label) pairs of a model choice field, as its iterator yields them, with the
    rows' pairs kept in the cache for a few minutes under the exact query (company, scope) and
    language; any save or delete of the model starts a new generation of keys. 800 people and
    320 agencies are then not read and built into model instances on every list page."""
    field = iterator.field
    head = []
    if field.empty_label is not None:
        head.append(("", field.empty_label))
    if getattr(field, "null_label", None) is not None:
        head.append((field.null_value, field.null_label))
    queryset = iterator.queryset
    model = queryset.model
    _watch(model)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # `.none()` (a picker waiting for its parent choice): nothing to list
        return head
    label = getattr(field.label_from_instance, "__func__", field.label_from_instance)
    generation = cache.get(_generation_key(model), 0)
    digest = hashlib.sha256(repr((queryset.db, sql, params, label.__module__, label.__qualname__,
                                  get_language(), generation)).encode()).hexdigest()
    key = f"assura:choices:{digest}"
    pairs = cache.get(key)
    if pairs is None:
        pairs = [(str(field.prepare_value(obj)), str(field.label_from_instance(obj))) for obj in queryset.iterator()]
        cache.set(key, pairs, CHOICES_TTL)
    return head + pairs
