"""Validators shared by every module, with French messages."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}


def normalize_phone(value: str, region: str = "DZ") -> str:
    """'0550 12 34 56' or '+213 550 12 34 56' → '+213550123456'; ValidationError otherwise."""
    if not value:
        return ""
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
