"""The rows of every list page are written by `Table.body_html` (Python) rather than by the two
nested template loops `core/partials/_table.html` had: this checks, for every list page of the
project, that the markup is exactly what the template loop wrote (values localised and escaped,
links, empty cells, the bulk-selection checkbox)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import URLPattern, URLResolver, get_resolver

from assura.core.testing.factories import FACTORIES
from assura.core.views import TenantListView

# The loop as the template wrote it before body_html (kept here as the reference).
TEMPLATE_LOOP = Template(
    "{% load i18n %}{% for obj, cells in table.rows %}"
    '<tr>{% if table.bulk_actions %}<td class="app-select-col"><input class="form-check-input" type="checkbox" '
    'name="ids" value="{{ obj.pk }}" form="bulk-form" data-bulk-row aria-label="{% blocktranslate with name=obj %}'
    'Sélectionner {{ name }}{% endblocktranslate %}"{% if table.selected_all or obj.pk in table.selected_ids %}'
    " checked{% endif %}></td>{% endif %}{% for col, value in cells %}<td class=\"{{ col.css }}\">"
    '{% if col.link and obj.get_absolute_url %}<a href="{{ obj.get_absolute_url }}">{{ value|default_if_none:"—" }}'
    '</a>{% elif value is None or value == "" %}<span class="text-body-secondary">—</span>{% else %}{{ value }}'
    "{% endif %}</td>{% endfor %}</tr>\n{% endfor %}")


def list_views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from list_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and not entry.pattern.regex.groupindex:
            view = getattr(entry.callback, "view_class", None)
            if view is not None and issubclass(view, TenantListView) and view.table_class is not None \
                    and getattr(view, "model", None) in FACTORIES:
                yield pytest.param(view, id=f"{view.__module__.split('.')[1]}.{view.__name__}")


VIEWS = list({p.values[0]: p for p in list_views(get_resolver().url_patterns)}.values())


def normalise(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_every_list_page_is_covered():
    names = {p.id for p in VIEWS}
    assert len(VIEWS) >= 10 and any("Contact" in n for n in names), names


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("bulk", [False, True])
def test_rows_are_written_as_the_template_loop_wrote_them(rf, admin, org, view, bulk):
    rows = [FACTORIES[view.model](org) for _ in range(3)]
    request = rf.get("/")
    request.user = admin
    table = view.table_class(view.model.objects.filter(pk__in=[r.pk for r in rows]), request)
    if bulk:
        table.bulk_actions, table.selected_ids, table.selected_all = ["delete"], {rows[0].pk}, False

    expected = TEMPLATE_LOOP.render(Context({"table": table}))
    written = table.body_html()

    assert normalise(written) == normalise(expected)
    assert written.count("<tr>") == 3
