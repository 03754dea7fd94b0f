"""Every API list is written through core/serializing.py's fast path: this checks, route by route,
that its answer is exactly what DRF's own ListSerializer writes for the same rows.

The list routes are walked from the URL patterns (every `*-list` route of the API router whose
viewset names a model with a factory); three rows of the admin's company are built, the list is
read with the fast path and again with it switched off, and the two JSON bodies must be equal.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from assura.core import viewsets
from assura.core.serializing import FastListSerializer
from assura.core.testing.factories import FACTORIES


def list_routes(patterns, namespace=None, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            yield from list_routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (entry.name or "").endswith("-list") and namespace == "api" \
                and not entry.pattern.regex.groupindex:
            view = getattr(entry.callback, "cls", None)
            if view is not None and issubclass(view, viewsets.TenantViewSetMixin) and view.model in FACTORIES \
                    and "get" in (getattr(entry.callback, "actions", {}) or {}):
                yield pytest.param("/" + prefix + str(entry.pattern).lstrip("^").rstrip("$"), view,
                                   id=entry.name)


ROUTES = list(list_routes(get_resolver().url_patterns))


def test_the_walker_finds_the_api_lists():
    ids = {p.id for p in ROUTES}
    assert {"contact-list", "account-list", "activity-list"} <= ids, ids
    assert len(ROUTES) >= 15


def rows_of(body):
    return body["results"] if isinstance(body, dict) else body


@pytest.mark.parametrize(("path", "view"), ROUTES)
def test_fast_list_writes_what_drf_writes(client, admin, org, monkeypatch, path, view):
    model = view.model
    field_names = {f.name for f in model._meta.get_fields()}
    for n in range(3):
        row = FACTORIES[model](org)
        if "user" in field_names and n == 0:  # personal rows (notifications, widgets): one is the admin's
            model.objects.filter(pk=row.pk).update(user=admin)
        if getattr(view, "kinds", None):  # jobs: the kind this list shows (imports, exports)
            model.objects.filter(pk=row.pk).update(kind=view.kinds[0])
    client.force_login(admin)

    fast = client.get(path, {"page_size": 50})
    assert fast.status_code == 200, fast.content[:300]
    monkeypatch.setattr(viewsets, "speed_up", lambda serializer: serializer)
    plain = client.get(path, {"page_size": 50})

    assert fast.json() == plain.json()
    assert rows_of(fast.json()), f"{path}: the rows built for the test are not listed"


def test_the_fast_path_is_the_one_lists_use(rf, admin):
    from assura.customers.api.views import ContactViewSet

    view = ContactViewSet(request=rf.get("/"), format_kwarg=None, action="list")
    view.request.user = admin
    assert type(view.get_serializer([], many=True)) is FastListSerializer
