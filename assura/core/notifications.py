"""Notification categories and each user's choice of channel per category (in-app, e-mail).

A notification's `kind` ("portfolio.dunning", "ticket.assigned"…) falls in one category; the
user's preferences are stored on the user (`notification_preferences`, a JSON object) and
read here with the defaults filled in. `assura.core.records.notify()` honours them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    prefixes: tuple[str, ...]  # the kinds of the category start with one of these
    email_help: str = ""


OTHER = "autres"
REMINDERS = "rappels"
CATEGORIES: tuple[Category, ...] = (
    Category("echeances", _("Échéances et impayés"), ("portfolio.dunning",)),
    Category("renouvellements", _("Renouvellements"), ("portfolio.renewal",)),
    Category("sinistres", _("Sinistres"), ("portfolio.claim",)),
    Category("tickets", _("Tickets"), ("ticket.",)),
    Category(REMINDERS, _("Rappels"), ("activity.reminder",),
             _("Les rappels cochés « aussi par e-mail » partent par e-mail dans tous les cas.")),
    Category("opportunites", _("Opportunités et pistes"), ("opportunity.", "lead.")),
    Category("anniversaires", _("Anniversaires"), ("customer.birthday",)),
    Category(OTHER, _("Autres"), ()),
)
CATEGORY_KEYS = frozenset(c.key for c in CATEGORIES)
CHANNELS = ("in_app", "email")


def category_of(kind: str) -> str:
    for category in CATEGORIES:
        if any(kind.startswith(prefix) for prefix in category.prefixes):
            return category.key
    return OTHER


def default_preferences() -> dict[str, dict[str, bool]]:
    """In-app on, e-mail off for every category (reminders also follow each activity's own
    "aussi par e-mail")."""
    return {c.key: {"in_app": True, "email": False} for c in CATEGORIES}


def preferences_of(user) -> dict[str, dict[str, bool]]:
    """The user's choices, defaults filled in; unknown keys and non-boolean values ignored."""
    prefs = default_preferences()
    stored = getattr(user, "notification_preferences", None) or {}
    if isinstance(stored, dict):
        for key, channels in stored.items():
            if key in prefs and isinstance(channels, dict):
                for channel in CHANNELS:
                    if isinstance(channels.get(channel), bool):
                        prefs[key][channel] = channels[channel]
    return prefs


def preference_for(user, kind: str) -> dict[str, bool]:
    return preferences_of(user)[category_of(kind)]
