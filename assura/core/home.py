"""Sections of the user home page ("page d'accueil"). Modules register them in their
AppConfig.ready(); the home page shows, in order, each section the user's role allows.

    register_home_section(HomeSection(
        key="renewals_due", title=_("Renouvellements à venir"), order=40,
        template="portfolio/home/_renewals.html", provider=lambda user: {"items": ...},
        action="policies.view"))

A provider receives the user and returns the template's context (scoped to what the user
may see). Keep each provider to a fixed number of queries: the home page's query count must
not grow with the data (it is tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assura.core.permissions import user_can


@dataclass(frozen=True)
class HomeSection:
    key: str
    title: Any
    template: str
    provider: Callable[[Any], dict]
    order: int = 100
    action: str | None = None
    width: str = "col-lg-6"  # Bootstrap column class of the card


_SECTIONS: list[HomeSection] = []


def register_home_section(section: HomeSection) -> None:
    if all(existing.key != section.key for existing in _SECTIONS):
        _SECTIONS.append(section)


def sections_for(user) -> list[dict]:
    """[{"section": HomeSection, "context": {...}}] for the sections the user may see, in order."""
    result = []
    for section in sorted(_SECTIONS, key=lambda s: s.order):
        if section.action is not None and not user_can(user, section.action):
            continue
        result.append({"section": section, "context": section.provider(user)})
    return result
