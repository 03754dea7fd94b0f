"""The <select> writer of core/forms_renderer.py gives Django's own markup, option for option,
including escaping (labels with <, &, quotes), lazy and safe labels, groups and selections.
Only the blank lines Django's option template leaves between options differ (not compared)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from assura.core.forms_renderer import render_select_field
from assura.identity.models import Agency

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a&b", 'Tom & "Jerry"'), ("<x>", "<script>alert(1)</script>"),
                                       ("l", gettext_lazy("Autre")), ("s", mark_safe("<b>gras</b>"))])
    grouped = forms.ChoiceField(choices=[("Nord", [("16", "Alger"), ("31", "Oran l'ouest")]), ("x", "Hors groupe")])
    many = forms.MultipleChoiceField(choices=[("1", "un"), ("2", "deux"), ("3", "trois")])
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("number"), required=False)


def django_markup(bound, attrs):
    widget = bound.field.widget
    final = bound.build_widget_attrs(dict(attrs), widget)
    if bound.auto_id and "id" not in widget.attrs:
        final.setdefault("id", bound.auto_id)
    return widget.render(bound.html_name, bound.value(), attrs=final, renderer=DjangoTemplates())


@pytest.mark.parametrize("data", [{}, {"plain": "a&b", "grouped": "31", "many": ["1", "3"]},
                                  {"plain": "<x>", "grouped": "x", "many": ["2"]}])
def test_selects_are_written_as_django_writes_them(org, data):
    for n in range(3):
        Agency.objects.create(organization=org, number=f"0{n}", name=f"Agence <{n}> & fils")
    form = Sample(data=data or None)
    for name in ("plain", "grouped", "many", "agency"):
        bound = form[name]
        attrs = {"class": "form-select form-select-sm", "data-x": 'a"b'}
        ours, django = (re.sub(r">\s+<", "><", str(html)) for html in (render_select_field(bound, attrs),
                                                                       django_markup(bound, attrs)))
        assert ours == django, name
        assert "<script>" not in ours
