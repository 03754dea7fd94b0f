"""Duplicate detection for contacts (the duplicates developer owns and improves this file).

Contract used by other modules (leads conversion, import, forms, API):
    contact_matches(*, organization_id, last_name="", first_name="", phone="", email="", nin="",
                    birth_date=None, wilaya_id=None, exclude_pk=None, limit=5) -> list[Match]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from assura.core.search import name_key
from assura.core.validators import normalize_phone
from assura.customers.models import Contact


@dataclass
class Match:
    contact: Contact
    score: int
    reasons: list[str] = field(default_factory=list)


def contact_matches(*, organization_id, last_name="", first_name="", phone="", email="", nin="", birth_date=None,
                    wilaya_id=None, exclude_pk=None, limit=5) -> list[Match]:
    """Likely existing duplicates, best first: exact NIN / e-mail / phone, then same name key
    with the same birth date or wilaya. Served by indexes (organization + field)."""
    try:
        phone = normalize_phone(phone) if phone else ""
    except Exception:
        phone = ""
    key = name_key(last_name, first_name) if last_name else ""
    condition = Q()
    if nin:
        condition |= Q(nin=nin)
    if email:
        condition |= Q(email=email.strip().lower())
    if phone:
        condition |= Q(phone=phone)
    if key:
        condition |= Q(name_key=key)
    if not condition:
        return []
    candidates = Contact.objects.filter(Q(organization_id=organization_id) & condition)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    matches = []
    for contact in candidates[:50]:
        score, reasons = 0, []
        if nin and contact.nin == nin:
            score, reasons = score + 100, [*reasons, "nin"]
        if email and contact.email == email.strip().lower():
            score, reasons = score + 60, [*reasons, "email"]
        if phone and contact.phone == phone:
            score, reasons = score + 50, [*reasons, "phone"]
        if key and contact.name_key == key:
            score += 30
            reasons.append("name")
            if birth_date and contact.birth_date == birth_date:
                score, reasons = score + 40, [*reasons, "birth_date"]
            if wilaya_id and contact.wilaya_id == wilaya_id:
                score, reasons = score + 15, [*reasons, "wilaya"]
        if score >= 45:
            matches.append(Match(contact, score, reasons))
    matches.sort(key=lambda m: (-m.score, m.contact.pk))
    return matches[:limit]
