"""Strings Django itself shows to our users but whose Arabic translation is missing from
Django's own catalog. Naming them here puts them in our catalog (locale/), which wins."""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
