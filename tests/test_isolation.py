"""THE isolation test: every URL of the project that names an object, asked by the most
powerful user of one company about an object of the other company, answers 404.

Nothing here lists routes by hand. The URL patterns are walked (pages and the DRF
routers under /api/v1/ alike); each route's model is read from its view, an object of
the other company is built with `FACTORIES[model](other_org)`, and the route is
requested with every method it accepts. A route added later is covered the day it is
added — or this test fails and says what to declare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from assura.core.testing.factories import FACTORIES

OBJECT_KWARGS = {"pk", "id"}
METHODS = ("get", "post", "put", "patch", "delete")
IGNORED_KWARGS = {"format"}  # DRF's format-suffix twins of each route: same view, same check


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    callback: object
    kwargs: frozenset[str]

    @property
    def label(self) -> str:
        return self.name or self.pattern

    @property
    def view(self):
        """The view class: DRF's `cls` (viewsets and APIViews) or Django's `view_class`."""
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def methods(self) -> list[str]:
        view = self.view
        if view is None:
            return ["get"]  # a function view: at least read it (and fail below on its model)
        allowed = [m for m in METHODS if m in getattr(view, "http_method_names", METHODS)]
        actions = getattr(self.callback, "actions", None)  # DRF viewset route: method -> action
        if actions is not None:
            return [m for m in allowed if m in actions]
        return [m for m in allowed if hasattr(view, m)]


def walk(patterns, namespace: str | None = None, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            names = set(entry.pattern.regex.groupindex)
            # Any object-naming kwarg counts, so that `contact_pk` or `policy_id` routes are not skipped silently.
            if names & IGNORED_KWARGS or not any(n in OBJECT_KWARGS or n.endswith(("_pk", "_id")) for n in names):
                continue
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name, prefix + str(entry.pattern), entry.callback, frozenset(names))


ROUTES = list(walk(get_resolver().url_patterns))
CASES = [pytest.param(route, method, id=f"{route.label}[{method.upper()}]")
         for route in ROUTES for method in route.methods]


def route_model(route: Route):
    """The model a route's object belongs to, read from its view."""
    view = route.view
    if view is None:
        return None
    model = getattr(view, "model", None)
    queryset = getattr(view, "queryset", None)
    if model is None and queryset is not None:
        model = queryset.model
    if model is None:
        serializer = getattr(view, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model


def object_of(route: Route, organization):
    model = route_model(route)
    if model is None:
        pytest.fail(
            f"Route {route.label!r} ({route.pattern}) takes an object id but its model cannot be determined. "
            f"Declare `model = <Model>` on {getattr(route.view, '__name__', route.callback)} (Django views and "
            f"DRF viewsets alike) so that the isolation test can cover it."
        )
    if model not in FACTORIES:
        pytest.fail(
            f"Route {route.label!r} serves {model.__module__}.{model.__name__}, which has no factory: register "
            f"`{model.__name__}: lambda org: <Factory>(organization=org)` in FACTORIES "
            f"(assura/core/testing/factories.py, or your module's factories) so that the isolation test covers it."
        )
    return FACTORIES[model](organization), model


def url_for(route: Route, obj) -> str:
    object_kwargs = route.kwargs & OBJECT_KWARGS
    others = route.kwargs - OBJECT_KWARGS
    if others or len(object_kwargs) != 1:
        pytest.fail(
            f"Route {route.label!r} ({route.pattern}) takes {sorted(route.kwargs)}: the isolation test only knows "
            f"how to fill one `pk` or `id`. Extend tests/test_isolation.py to build its parent objects."
        )
    if route.name is None:
        pytest.fail(f"Route {route.pattern!r} takes an object id but has no name: name it so it can be reversed.")
    try:
        return reverse(route.name, kwargs={next(iter(object_kwargs)): obj.pk})
    except NoReverseMatch as exc:  # pragma: no cover - a message for the developer
        pytest.fail(f"Cannot reverse {route.label!r} with the object's pk: {exc}")


def send(client, method: str, url: str):
    if method in ("get", "post"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps({}), content_type="application/json")


def test_the_walker_finds_pages_and_api_routes():
    names = {route.name for route in ROUTES}

    assert {"identity:user_detail", "identity:user_deactivate", "core:job_detail", "api:user-detail",
            "api:agency-detail", "api:user-deactivate", "api:token-detail"} <= names
    assert all(route.methods for route in ROUTES), [r.label for r in ROUTES if not r.methods]


@pytest.mark.parametrize(("route", "method"), CASES)
def test_another_company_object_is_404(client, admin, other_org, route, method, django_capture_on_commit_callbacks):
    foreign, model = object_of(route, other_org)
    url = url_for(route, foreign)
    before = list(model.objects.filter(pk=foreign.pk).values())
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, method, url)

    assert response.status_code == 404, (
        f"{method.upper()} {url} ({route.label}) by the admin of another company answered "
        f"{response.status_code}, not 404: {response.content[:300]!r}"
    )
    assert list(model.objects.filter(pk=foreign.pk).values()) == before


GET_ROUTES = [pytest.param(route, id=route.label) for route in ROUTES if "get" in route.methods]


@pytest.mark.parametrize("route", GET_ROUTES)
def test_own_company_object_is_not_404(client, admin, org, route):
    """The same admin reaches the same route for an object of their company: the 404s above are
    about the company, not a broken URL."""
    own, _model = object_of(route, org)
    url = url_for(route, own)
    client.force_login(admin)

    response = client.get(url)

    assert response.status_code != 404, f"GET {url} ({route.label}) answered 404 for the admin's own company"
    assert response.status_code < 500
