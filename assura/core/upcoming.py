"""A customer's upcoming dated events (instalments due, policies expiring, birthday…), computed
when asked, never stored. Each module that owns such dates registers a provider
`provider(*, user, record, on) -> list[Upcoming]` that reads them in a fixed number of queries;
the profile's Notifications tab lists them all, soonest first."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Upcoming:
    date: datetime.date
    label: str
    detail: str = ""
    url: str = ""
    icon: str = "calendar-event"
    overdue: bool = False


_PROVIDERS: dict[str, Callable[..., list[Upcoming]]] = {}


def register_upcoming(key: str, provider: Callable[..., list[Upcoming]]) -> None:
    _PROVIDERS[key] = provider


def upcoming_for(*, user, record, on: datetime.date) -> list[Upcoming]:
    items = [item for provider in _PROVIDERS.values() for item in provider(user=user, record=record, on=on)]
    return sorted(items, key=lambda item: (item.date, item.label))
