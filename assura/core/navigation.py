"""The role-aware sidebar and home tiles. Apps register entries in their AppConfig.ready();
an entry shows only to users whose role (or groups) allow its action."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from assura.core.permissions import user_can


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str
    section: str  # "main" (every user's work), "admin" (administration)
    action: str | None = None
    order: int = 100
    description: str = ""


SECTIONS = {}
_ITEMS: list[NavItem] = []


def register_section(key: str, title, order: int) -> None:
    SECTIONS[key] = (title, order)


def register(*items: NavItem) -> None:
    for item in items:
        if all(existing.key != item.key for existing in _ITEMS):
            _ITEMS.append(item)


def items_for(user, section: str | None = None) -> list[NavItem]:
    return sorted(
        (
            i
            for i in _ITEMS
            if (section is None or i.section == section) and (i.action is None or user_can(user, i.action))
        ),
        key=lambda i: i.order,
    )


def sidebar(user, path: str) -> list[dict]:
    """Sections and entries for the user; the entry whose URL is the longest prefix of the
    current path is the active one (so /leads/rules/ lights "rules", not also "leads")."""
    sections = []
    for key, (title, _order) in sorted(SECTIONS.items(), key=lambda kv: kv[1][1]):
        entries = [
            {"key": item.key, "label": item.label, "url": reverse(item.url_name), "icon": item.icon, "active": False}
            for item in items_for(user, key)
        ]
        if entries:
            sections.append({"title": title, "items": entries})
    home = reverse("home")
    candidates = [
        e for s in sections for e in s["items"] if path == e["url"] or (e["url"] != home and path.startswith(e["url"]))
    ]
    if candidates:
        max(candidates, key=lambda e: len(e["url"]))["active"] = True
    return sections
