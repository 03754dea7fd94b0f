"""Validators shared by every module, with French messages."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}


# An Algerian number as people write it: 0 then 8–9 digits, or +213 / 00213 then 8–9 digits,
# with spaces, dots, dashes or brackets between the digits.
_DZ_SEPARATORS = re.compile(r"[\s.()\-]")
_DZ_NUMBER = re.compile(r"(?:0|\+213|00213)([1-9]\d{7,8})")


def normalize_phone(value: str, region: str = "DZ") -> str:
    """'0550 12 34 56' or '+213 550 12 34 56' → '+213550123456'; ValidationError otherwise."""
    if not value:
        return ""
    number = None
    # The common Algerian forms skip phonenumbers' general parser (the slow part of an import);
    # validity is still decided by phonenumbers' own rules for the number.
    if region == "DZ" and (match := _DZ_NUMBER.fullmatch(_DZ_SEPARATORS.sub("", value))):
        number = phonenumbers.PhoneNumber(country_code=213, national_number=int(match.group(1)))
    else:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_logo(file) -> None:
    """A logo is a real PNG, JPEG or WebP image of at most LOGO_MAX_BYTES."""
    if file is None:
        return
    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("Le logo ne doit pas dépasser %(max)s Mo.") % {"max": settings.LOGO_MAX_BYTES // (1024 * 1024)},
            code="logo_too_large",
        )
    from PIL import Image, UnidentifiedImageError

    try:
        pos = file.tell() if hasattr(file, "tell") else 0
        image = Image.open(file)
        fmt = (image.format or "").upper()
        image.verify()
        file.seek(pos)
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_("Le logo doit être une image PNG, JPEG ou WebP."), code="logo_type") from None
    if fmt not in {"PNG", "JPEG", "WEBP"}:
        raise ValidationError(_("Le logo doit être une image PNG, JPEG ou WebP."), code="logo_type")
