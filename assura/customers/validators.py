"""Validation of Algerian identifiers and contact details, with French messages."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.core.validators import normalize_phone

NIN_RE = re.compile(r"^\d{18}$")


def clean_nin(value: str | None) -> str:
    """The NIN (numéro d'identification nationale) has 18 digits; spaces are tolerated."""
    digits = re.sub(r"[\s.-]", "", value or "")
    if not digits:
        return ""
    if not NIN_RE.match(digits):
        raise ValidationError(_("Le NIN doit compter exactement 18 chiffres."), code="invalid_nin")
    return digits


def clean_birth_date(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("La date de naissance ne peut pas être dans le futur."), code="future_birth_date")
    if value and value.year < 1900:
        raise ValidationError(_("Date de naissance invalide."), code="invalid_birth_date")
    return value


def clean_phones(values) -> list[dict]:
    """[{"type": "mobile", "number": "0550 12 34 56"}, …] → numbers in E.164, invalid ones refused."""
    cleaned = []
    for item in values or []:
        if isinstance(item, str):
            item = {"type": "mobile", "number": item}
        number = (item.get("number") or "").strip()
        if not number:
            continue
        cleaned.append({"type": item.get("type") or "mobile", "number": normalize_phone(number)})
    return cleaned


def clean_emails(values) -> list[str]:
    cleaned = []
    for value in values or []:
        value = (value or "").strip().lower()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("Adresse e-mail invalide : %(v)s") % {"v": value}, code="invalid_email") from None
        if value not in cleaned:
            cleaned.append(value)
    return cleaned
