"""The global search box of the header: a registry of search providers, like navigation.

Each app registers what it can find in its AppConfig.ready():

    from assura.core.globalsearch import Result, register_search_provider

    def search_contacts(user, query, limit):
        contacts = Contact.objects.visible_to(user).filter(search_filter(query)).order_by("last_name", "pk")
        return [Result(str(c), c.code, c.get_absolute_url()) for c in contacts[:limit]]

    register_search_provider("contacts", _("Contacts"), "person", search_contacts,
                             action=None, order=10, list_url_name="customers:contact_list")

A provider receives the signed-in user, the typed query (stripped, at least
`MIN_QUERY_LENGTH` characters) and the number of results wanted, and returns a list of
`Result(title, subtitle, url)`. It MUST read through `Model.objects.visible_to(user)` (or a
selector built on it): another company's record, or one the role may not see, must never
be returned. It should run one query (no N+1): the box calls every provider on each
keystroke. `action` (a permission of the matrix) hides the provider from users without it;
`list_url_name` adds a "see all" link to that list with `?q=<query>`.

The box also shows the user's recently viewed records when the query is empty
(`recent_views`; modules record them with `assura.core.records.recent_view_record`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from assura.core.models import RecentView
from assura.core.permissions import user_can

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100


def subtitle_join(*parts) -> str:
    """Join a result's details with " · ", each isolated for the bidi algorithm (FSI … PDI),
    so that an Arabic name next to a phone number does not reorder the digits."""
    return " · ".join(f"\u2068{p}\u2069" for p in parts if p)


@dataclass(frozen=True)
class Result:
    title: str
    subtitle: str = ""
    url: str = ""


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: Any
    icon: str
    search: Callable[..., list[Result]]
    action: str | None = None
    order: int = 100
    list_url_name: str | None = None

    def allowed(self, user) -> bool:
        return self.action is None or user_can(user, self.action)

    def list_url(self, query: str) -> str | None:
        if not self.list_url_name:
            return None
        return f"{reverse(self.list_url_name)}?{urlencode({'q': query})}"


@dataclass
class SearchGroup:
    provider: SearchProvider
    results: list[Result] = field(default_factory=list)
    more_url: str | None = None


_PROVIDERS: dict[str, SearchProvider] = {}


def register_search_provider(
    key: str, label, icon: str, search: Callable[..., list[Result]], action: str | None = None, *,
    order: int = 100, list_url_name: str | None = None,
) -> SearchProvider:
    """Register (or replace) the provider `key`."""
    provider = SearchProvider(key, label, icon, search, action, order, list_url_name)
    _PROVIDERS[key] = provider
    return provider


def providers_for(user) -> list[SearchProvider]:
    return sorted((p for p in _PROVIDERS.values() if p.allowed(user)), key=lambda p: (p.order, p.key))


def clean_query(query: str | None) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def search_all(*, user, query: str, limit: int = 5) -> list[SearchGroup]:
    """Each allowed provider's results for the query (groups without results are left out).
    One call per provider, whatever the number of results."""
    query = clean_query(query)
    if len(query) < MIN_QUERY_LENGTH:
        return []
    groups = []
    for provider in providers_for(user):
        results = list(provider.search(user, query, limit))[:limit]
        if results:
            more = provider.list_url(query) if len(results) >= limit else None
            groups.append(SearchGroup(provider, results, more))
    return groups


def recent_views(*, user, limit: int = 8) -> list[RecentView]:
    """The user's recently opened records, newest first (one query)."""
    views = list(RecentView.objects.visible_to(user).select_related("content_type").order_by("-viewed_at")[:limit])
    for view in views:
        model = view.content_type.model_class()
        view.kind = model._meta.verbose_name if model is not None else ""
    return views
