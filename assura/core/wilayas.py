"""The wilayas: reference data shared by every company (the official list of Algeria's
wilayas, code → French and Arabic names). Contacts, accounts and agencies point at it.

Because every company reads the same list, a company's administrator reads it but does
not change it: the platform's operator does (a superuser, on the Wilayas page, or with
`manage.py wilayas_load <file.csv>` when the official list changes — e.g. the 2019 and 2021
creations). A wilaya is never deleted (records point at it): it is deactivated, which takes
it out of the choices offered while the records that name it keep it. ADR 0012.
"""

from __future__ import annotations

import csv
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assura.core.audit import audit_record
from assura.core.forms_renderer import choices_changed
from assura.core.models import AuditAction, Wilaya


def may_edit_wilayas(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def _clean(code: str, name: str, name_ar: str) -> tuple[str, str, str]:
    code, name, name_ar = (code or "").strip(), (name or "").strip(), (name_ar or "").strip()
    errors = {}
    if not code.isdigit() or not 1 <= len(code) <= 3:
        errors["code"] = _("Le code d'une wilaya est un nombre de 1 à 3 chiffres.")
    if not name:
        errors["name"] = _("Le nom de la wilaya est obligatoire.")
    elif len(name) > 80 or len(name_ar) > 80:
        errors["name"] = _("Un nom de wilaya ne dépasse pas 80 caractères.")
    if errors:
        raise ValidationError(errors)
    return code.zfill(2), name, name_ar


def wilaya_update(*, actor, wilaya: Wilaya, name: str, name_ar: str, is_active: bool, request=None) -> Wilaya:
    if not may_edit_wilayas(actor):
        raise PermissionDenied
    _code, name, name_ar = _clean(wilaya.code, name, name_ar)
    before = {"name": wilaya.name, "name_ar": wilaya.name_ar, "is_active": wilaya.is_active}
    wilaya.name, wilaya.name_ar, wilaya.is_active = name, name_ar, bool(is_active)
    wilaya.save()
    after = {"name": wilaya.name, "name_ar": wilaya.name_ar, "is_active": wilaya.is_active}
    if before != after and getattr(actor, "organization_id", None):
        audit_record(actor=actor, action=AuditAction.REFERENCE_CHANGED, target=wilaya, request=request,
                     data={"code": wilaya.code, "before": before, "after": after})
    return wilaya


def wilayas_load(*, text: str, deactivate_missing: bool = False) -> dict[str, int]:
    """Load the official list from CSV text (`code;nom;nom_ar`, a header line allowed, `;` or `,`):
    creates the new wilayas, renames the changed ones, reactivates the listed ones and — when asked —
    deactivates those the file does not list. All or nothing: one bad line and nothing changes."""
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows, errors = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and not row[0].strip().isdigit():
            continue  # the header
        try:
            rows.append(_clean(row[0], row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else ""))
        except ValidationError as exc:
            errors.append(_("Ligne %(n)s : %(errors)s") % {
                "n": number, "errors": " ".join(str(m) for ms in exc.message_dict.values() for m in ms)})
    codes = [code for code, _n, _a in rows]
    if len(codes) != len(set(codes)):
        errors.append(_("Un même code apparaît plusieurs fois."))
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucune wilaya."))
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0}
    with transaction.atomic():
        existing = {w.code: w for w in Wilaya.objects.select_for_update()}
        for code, name, name_ar in rows:
            found = existing.get(code)
            if found is None:
                Wilaya.objects.create(code=code, name=name, name_ar=name_ar, is_active=True)
                counts["created"] += 1
            elif (found.name, found.name_ar, found.is_active) != (name, name_ar or found.name_ar, True):
                found.name, found.name_ar, found.is_active = name, name_ar or found.name_ar, True
                found.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        if deactivate_missing:
            counts["deactivated"] = Wilaya.objects.filter(is_active=True).exclude(code__in=codes).update(
                is_active=False)
        transaction.on_commit(lambda: choices_changed(Wilaya))  # update() sends no signal
    return counts
