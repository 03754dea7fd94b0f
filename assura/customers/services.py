"""Writes of the customers app. Every create/update normalises, validates with
full_clean(), keeps the search column and duplicate key current and records field history.

`contact_build` is the single place a contact's data is cleaned; the importer calls it
too (then saves in bulk), so a row imported and a contact typed obey the same rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.core.permissions import user_can
from assura.core.records import history_record, sequence_next, snapshot
from assura.core.search import name_key, search_text
from assura.core.validators import normalize_phone
from assura.customers.models import Account, Contact
from assura.customers.validators import clean_birth_date, clean_emails, clean_nin, clean_phones

CONTACT_CODE_PREFIX = "C"
CONTACT_TRACKED = (
    "civility", "last_name", "first_name", "last_name_ar", "first_name_ar", "birth_date", "gender", "nin",
    "id_document_type", "id_document_number", "id_document_expiry", "profession", "income_band", "address",
    "commune", "wilaya", "postal_code", "phone", "email", "preferred_channel", "preferred_language", "segment",
    "owner", "agency", "registered_on",
)
ACCOUNT_TRACKED = (
    "name", "name_ar", "legal_form", "trade_register", "nif", "nis", "sector", "revenue", "revenue_band",
    "headcount", "address", "commune", "wilaya", "postal_code", "phone", "email", "website", "parent", "owner",
    "agency",
)


def _collect(errors: dict, field: str, func, value):
    try:
        return func(value)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return value


def _same_company(actor, *objs) -> None:
    from django.http import Http404

    for obj in objs:
        if obj is not None and getattr(obj, "organization_id", actor.organization_id) != actor.organization_id:
            raise Http404


def contact_code_allocate(*, organization_id, count: int = 1) -> list[str]:
    first = sequence_next(organization_id=organization_id, key="contact.code", count=count)
    return [f"{CONTACT_CODE_PREFIX}{n:08d}" for n in range(first, first + count)]


def refresh_contact_search(contact: Contact) -> None:
    contact.search_text = search_text(
        contact.last_name, contact.first_name, contact.last_name_ar, contact.first_name_ar, contact.code,
        contact.nin, *dict.fromkeys([contact.email, *contact.emails]),
        phones=list(dict.fromkeys(p for p in [contact.phone, *(p["number"] for p in contact.phones)] if p)),
    )
    contact.name_key = name_key(contact.last_name, contact.first_name)[:200]


def contact_build(*, contact: Contact, data: dict, validate_unique: bool = True) -> Contact:
    """Apply `data` to `contact`, normalised and validated; raises ValidationError with
    every field's errors at once. Does not save."""
    errors: dict[str, list[str]] = {}
    data = dict(data)
    if "nin" in data:
        data["nin"] = _collect(errors, "nin", clean_nin, data["nin"])
    if "birth_date" in data:
        data["birth_date"] = _collect(errors, "birth_date", clean_birth_date, data["birth_date"])
    if "phones" in data:
        data["phones"] = _collect(errors, "phones", clean_phones, data["phones"])
    if "emails" in data:
        data["emails"] = _collect(errors, "emails", clean_emails, data["emails"])
    if data.get("phone"):
        data["phone"] = _collect(errors, "phone", normalize_phone, data["phone"])
    if data.get("email"):
        data["email"] = data["email"].strip().lower()
    for key in ("last_name", "first_name", "last_name_ar", "first_name_ar"):
        if isinstance(data.get(key), str):
            data[key] = " ".join(data[key].split())
    tags = data.pop("tags", None)
    for key, value in data.items():
        setattr(contact, key, value)
    # The first of the lists is the main one, and the main one is always in the list.
    if contact.phone and all(p["number"] != contact.phone for p in contact.phones or []):
        contact.phones = [{"type": "mobile", "number": contact.phone}, *(contact.phones or [])]
    if not contact.phone and contact.phones:
        contact.phone = contact.phones[0]["number"]
    if contact.email and contact.email not in (contact.emails or []):
        contact.emails = [contact.email, *(contact.emails or [])]
    if not contact.email and contact.emails:
        contact.email = contact.emails[0]
    refresh_contact_search(contact)
    try:
        contact.full_clean(exclude=[*errors.keys(), "code"] if not contact.code else list(errors.keys()),
                           validate_unique=validate_unique, validate_constraints=validate_unique)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)
    contact._pending_tags = tags
    return contact


def _check_assignment(actor, data: dict) -> None:
    _same_company(actor, data.get("owner"), data.get("agency"))


@transaction.atomic
def contact_create(*, actor, request=None, **data) -> Contact:
    """Create a person. The client code is generated unless given."""
    _check_assignment(actor, data)
    contact = Contact(organization_id=actor.organization_id)
    if not data.get("code"):
        data["code"] = contact_code_allocate(organization_id=actor.organization_id)[0]
    data.setdefault("owner", actor)
    data.setdefault("agency", actor.agency)
    data.setdefault("registered_on", timezone.localdate())
    contact_build(contact=contact, data=data)
    contact.save()
    if contact._pending_tags is not None:
        contact.tags.set(contact._pending_tags)
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, request=None, **data) -> Contact:
    _same_company(actor, contact)
    _check_assignment(actor, data)
    before = snapshot(contact, CONTACT_TRACKED)
    contact_build(contact=contact, data=data)
    contact.save()
    if contact._pending_tags is not None:
        contact.tags.set(contact._pending_tags)
    history_record(obj=contact, before=before, actor=actor)
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact, request=None) -> None:
    """Only roles allowed `records.delete` (administrators by default) delete customers."""
    from assura.core.audit import audit_record
    from assura.core.models import AuditAction

    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    _same_company(actor, contact)
    audit_record(action=AuditAction.DELETION, actor=actor, target=contact, request=request,
                 data={"code": contact.code})
    contact.delete()


def refresh_account_search(account: Account) -> None:
    account.search_text = search_text(
        account.name, account.name_ar, account.trade_register, account.nif, account.nis,
        *dict.fromkeys([account.email, *account.emails]),
        phones=list(dict.fromkeys(p for p in [account.phone, *(p["number"] for p in account.phones)] if p)),
    )
    account.name_key = name_key(account.name)[:200]


def account_build(*, account: Account, data: dict, validate_unique: bool = True) -> Account:
    errors: dict[str, list[str]] = {}
    data = dict(data)
    if "phones" in data:
        data["phones"] = _collect(errors, "phones", clean_phones, data["phones"])
    if "emails" in data:
        data["emails"] = _collect(errors, "emails", clean_emails, data["emails"])
    if data.get("phone"):
        data["phone"] = _collect(errors, "phone", normalize_phone, data["phone"])
    if data.get("email"):
        data["email"] = data["email"].strip().lower()
    if isinstance(data.get("name"), str):
        data["name"] = " ".join(data["name"].split())
    if data.get("revenue") is not None and data["revenue"] != "" and data["revenue"] < 0:
        errors.setdefault("revenue", []).append(_("Le chiffre d'affaires ne peut pas être négatif."))
    tags = data.pop("tags", None)
    for key, value in data.items():
        setattr(account, key, value)
    if account.parent_id and account.parent_id == account.pk:
        errors.setdefault("parent", []).append(_("Un compte ne peut pas être sa propre société mère."))
    if account.phone and all(p["number"] != account.phone for p in account.phones or []):
        account.phones = [{"type": "work", "number": account.phone}, *(account.phones or [])]
    if account.email and account.email not in (account.emails or []):
        account.emails = [account.email, *(account.emails or [])]
    refresh_account_search(account)
    try:
        account.full_clean(exclude=list(errors.keys()), validate_unique=validate_unique,
                           validate_constraints=validate_unique)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)
    account._pending_tags = tags
    return account


@transaction.atomic
def account_create(*, actor, request=None, **data) -> Account:
    _check_assignment(actor, data)
    _same_company(actor, data.get("parent"))
    account = Account(organization_id=actor.organization_id)
    data.setdefault("owner", actor)
    data.setdefault("agency", actor.agency)
    account_build(account=account, data=data)
    account.save()
    if account._pending_tags is not None:
        account.tags.set(account._pending_tags)
    return account


@transaction.atomic
def account_update(*, actor, account: Account, request=None, **data) -> Account:
    _same_company(actor, account)
    _check_assignment(actor, data)
    _same_company(actor, data.get("parent"))
    before = snapshot(account, ACCOUNT_TRACKED)
    account_build(account=account, data=data)
    account.save()
    if account._pending_tags is not None:
        account.tags.set(account._pending_tags)
    history_record(obj=account, before=before, actor=actor)
    return account
