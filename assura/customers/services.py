"""Writes of the customers app. Every create/update normalises, validates with
full_clean(), keeps the search column and duplicate key current and records field history.

`contact_build` is the single place a contact's data is cleaned; the importer calls it
too (then saves in bulk), so a row imported and a contact typed obey the same rules.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assura.core.models import Notification
from assura.core.notifications import preference_for
from assura.core.permissions import user_can
from assura.core.records import history_record, notify, sequence_next, snapshot
from assura.core.search import name_key, normalize, search_text
from assura.core.validators import normalize_phone
from assura.customers.choices import ACCOUNT_RELATIONS, PERSON_RELATIONS, Channel, RelationKind
from assura.customers.models import Account, Consent, Contact, Relationship, Tag
from assura.customers.validators import clean_birth_date, clean_emails, clean_nin, clean_phones

CONTACT_CODE_PREFIX = "C"
CONTACT_TRACKED = (
    "civility", "last_name", "first_name", "last_name_ar", "first_name_ar", "birth_date", "gender", "nin",
    "id_document_type", "id_document_number", "id_document_expiry", "profession", "income_band", "address",
    "commune", "wilaya", "postal_code", "phone", "email", "preferred_channel", "preferred_language", "segment",
    "owner", "agency", "registered_on",
)
# How a household link reads from the other person's side.
INVERSE_RELATION = {RelationKind.CHILD: RelationKind.PARENT, RelationKind.PARENT: RelationKind.CHILD}
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


def _customer_delete(*, actor, record, request, data: dict) -> None:
    """Only roles allowed `records.delete` (administrators by default) delete customers;
    the deletion is audited with what identifies the record."""
    from assura.core.attachments import attachments_delete_for
    from assura.core.audit import audit_record
    from assura.core.models import AuditAction

    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    _same_company(actor, record)
    audit_record(action=AuditAction.DELETION, actor=actor, target=record, request=request, data=data)
    pk = record.pk
    record.delete()
    attachments_delete_for(type(record), [pk])


@transaction.atomic
def contact_delete(*, actor, contact: Contact, request=None) -> None:
    _customer_delete(actor=actor, record=contact, request=request, data={"code": contact.code})


# Words of a company name that say its legal form, not who it is: "SARL Transports Benali"
# and "Transports Benali S.P.A." are one company for duplicate detection.
LEGAL_FORM_WORDS = {"sarl", "eurl", "spa", "snc", "scs", "sca", "sas", "sa", "ei", "epe", "epic"}


def identifier_key(value: str | None) -> str:
    """An identifier (NIF, NIS, RC) without spaces or punctuation, upper-case: "16/00-1234567 b 12"
    and "16 00 1234567B12" are the same register number."""
    return re.sub(r"[^0-9A-Z]", "", normalize(value).upper())


def account_name_key(name: str | None) -> str:
    """The duplicate key of a company name: case, accents, punctuation and legal-form words ignored."""
    words = normalize((name or "").replace(".", "")).split()
    kept = [w for w in words if w not in LEGAL_FORM_WORDS] or words
    return name_key(" ".join(kept))[:200]


def refresh_account_search(account: Account) -> None:
    account.search_text = search_text(
        account.name, account.name_ar, account.trade_register, account.nif, account.nis,
        *dict.fromkeys([account.email, *account.emails]),
        phones=list(dict.fromkeys(p for p in [account.phone, *(p["number"] for p in account.phones)] if p)),
    )
    account.name_key = account_name_key(account.name)
    account.trade_register_key = identifier_key(account.trade_register)[:30]


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
    for key in ("nif", "nis"):  # digits only, as the NIN: spaces and dots typed between groups go
        if isinstance(data.get(key), str):
            data[key] = identifier_key(data[key])
    if isinstance(data.get("trade_register"), str):
        data["trade_register"] = " ".join(data["trade_register"].split())
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


@transaction.atomic
def account_delete(*, actor, account: Account, request=None) -> None:
    _customer_delete(actor=actor, record=account, request=request, data={"name": account.name})


# --- Relationships --------------------------------------------------------------------------------

@transaction.atomic
def relationship_create(*, actor, contact: Contact, kind: str, related_contact: Contact | None = None,
                        account: Account | None = None, note: str = "", request=None) -> Relationship:
    """Link a person to another person (household) or to a company, once per kind."""
    _same_company(actor, contact, related_contact, account)
    errors: dict[str, list[str]] = {}
    if (related_contact is None) == (account is None):
        errors["target"] = [_("Choisissez soit une personne, soit un compte.")]
    elif related_contact is not None:
        if related_contact.pk == contact.pk:
            errors["target"] = [_("Un contact ne peut pas être lié à lui-même.")]
        elif kind not in PERSON_RELATIONS:
            errors["kind"] = [_("Ce lien ne s'applique pas entre deux personnes.")]
    elif kind not in ACCOUNT_RELATIONS:
        errors["kind"] = [_("Ce lien ne s'applique pas entre une personne et un compte.")]
    if not errors:
        if related_contact is not None:
            # A household link reads both ways: A parent of B is B child of A.
            taken = Relationship.objects.filter(
                Q(contact=contact, related_contact=related_contact, kind=kind)
                | Q(contact=related_contact, related_contact=contact, kind=INVERSE_RELATION.get(kind, kind))
            ).exists()
        else:
            taken = Relationship.objects.filter(contact=contact, account=account, kind=kind).exists()
        if taken:
            errors["target"] = [_("Cette relation existe déjà.")]
    relationship = Relationship(
        organization_id=contact.organization_id, contact=contact, related_contact=related_contact, account=account,
        kind=kind, note=" ".join((note or "").split()),
    )
    try:
        relationship.full_clean(exclude=["contact", "related_contact", "account", *errors])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    relationship.save()
    return relationship


@transaction.atomic
def relationship_delete(*, actor, relationship: Relationship, request=None) -> None:
    _same_company(actor, relationship)
    relationship.delete()


# --- Consents -------------------------------------------------------------------------------------

@transaction.atomic
def consent_set(*, actor, contact: Contact, channel: str, granted: bool, source: str = "", request=None) -> Consent:
    """Record a marketing consent given or withdrawn on one channel; the change is kept in the
    contact's history (shown on its timeline)."""
    from django.contrib.contenttypes.models import ContentType

    from assura.core.models import FieldChange

    _same_company(actor, contact)
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Canal inconnu.")]})
    source = " ".join((source or "").split())
    if len(source) > 100:
        raise ValidationError({"source": [_("La source ne doit pas dépasser 100 caractères.")]})
    consent = Consent.objects.filter(contact=contact, channel=channel).first()
    before = consent.granted if consent else None
    if consent is None:
        consent = Consent(organization_id=contact.organization_id, contact=contact, channel=channel)
    consent.granted = bool(granted)
    consent.source = source
    consent.recorded_at = timezone.now()
    consent.save()
    if before != consent.granted:
        labels = {True: _("Accordé"), False: _("Refusé"), None: ""}
        FieldChange.objects.create(
            organization_id=contact.organization_id, content_type=ContentType.objects.get_for_model(contact),
            object_id=contact.pk, field=f"consent.{channel}", actor=actor,
            field_label=(_("Consentement %(channel)s") % {"channel": Channel(channel).label})[:120],
            old_value=labels[before], new_value=labels[consent.granted],
        )
    return consent


# --- Tags and bulk actions ------------------------------------------------------------------------

TAG_MAX_LENGTH = 50


def tags_ensure(*, actor, names) -> list[Tag]:
    """The company's tags of these names, created when missing (case-insensitive match)."""
    wanted: dict[str, str] = {}
    for raw in names or []:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ValidationError({"tags": [
                _("Une étiquette ne doit pas dépasser %(max)s caractères.") % {"max": TAG_MAX_LENGTH}
            ]})
        wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    with transaction.atomic():
        existing = {t.name.lower(): t for t in Tag.objects.filter(organization_id=actor.organization_id)
                    .filter(_any_name(wanted))}
        tags = []
        for key, name in wanted.items():
            tag = existing.get(key) or Tag.objects.create(organization_id=actor.organization_id, name=name)
            tags.append(tag)
    return tags


def _any_name(wanted: dict[str, str]) -> Q:
    condition = Q()
    for name in wanted.values():
        condition |= Q(name__iexact=name)
    return condition


@transaction.atomic
def customers_assign_owner(*, actor, records, owner, request=None) -> int:
    """Give every record (contacts or accounts, already scoped to what the actor sees) to
    `owner`, keeping one history line per record changed. Returns how many changed."""
    from django.contrib.contenttypes.models import ContentType

    from assura.core.models import FieldChange

    _same_company(actor, owner)
    records = list(records.exclude(owner=owner).select_related("owner"))
    if not records:
        return 0
    model = type(records[0])
    content_type = ContentType.objects.get_for_model(model)
    label = str(model._meta.get_field("owner").verbose_name)[:120]
    FieldChange.objects.bulk_create([
        FieldChange(organization_id=r.organization_id, content_type=content_type, object_id=r.pk, field="owner",
                    field_label=label, old_value=str(r.owner or ""), new_value=str(owner), actor=actor)
        for r in records
    ])
    return model.objects.filter(organization_id=actor.organization_id, pk__in=[r.pk for r in records]).update(
        owner=owner, updated_at=timezone.now()
    )


@transaction.atomic
def customers_add_tag(*, actor, records, name: str, request=None) -> int:
    """Put the tag `name` (created if new) on every record. Returns how many records got it."""
    tags = tags_ensure(actor=actor, names=[name])
    if not tags:
        raise ValidationError({"tag": [_("Saisissez le nom de l'étiquette.")]})
    tag = tags[0]
    through = records.model.tags.through
    owner_column = f"{records.model._meta.model_name}_id"
    already = set(through.objects.filter(tag=tag, **{f"{owner_column}__in": records.values("pk")})
                  .values_list(owner_column, flat=True))
    links = [through(tag=tag, **{owner_column: pk}) for pk in records.values_list("pk", flat=True) if pk not in already]
    through.objects.bulk_create(links)
    return len(links)


# --- Birthdays ---------------------------------------------------------------------------------------

BIRTHDAY_BATCH = 1000
BIRTHDAY_KIND = "customer.birthday"


def birthday_filter(on: datetime.date) -> Q:
    """Contacts born on this day of the year; on 28 February of a common year, those born on the
    29th too (their birthday is kept that day)."""
    days = Q(birth_date__month=on.month, birth_date__day=on.day)
    if on.month == 2 and on.day == 28 and not calendar.isleap(on.year):
        days |= Q(birth_date__month=2, birth_date__day=29)
    return days


def birthdays_notify(*, on: datetime.date | None = None, batch_size: int = BIRTHDAY_BATCH) -> int:
    """Tell each contact's manager (an active member of the contact's company) of the contacts whose
    birthday is today. One read of the matching contacts, walked in batches; each batch is one
    INSERT that skips the events already told (`birthday:<contact>:<year>`), so a second run the
    same day adds nothing. A manager who wants these by e-mail goes through notify() one by one.
    Returns how many birthdays were found."""
    on = on or timezone.localdate()
    contacts = (Contact.objects.filter(birthday_filter(on), owner__is_active=True,
                                       owner__organization_id=F("organization_id"))
                .select_related("owner")
                .only("pk", "organization_id", "code", "first_name", "last_name", "birth_date", "owner")
                .order_by())
    found, rows = 0, contacts.iterator(chunk_size=batch_size)
    while batch := list(itertools.islice(rows, batch_size)):
        _birthdays_batch(batch, on=on)
        found += len(batch)
    return found


def _birthdays_batch(contacts, *, on) -> None:
    content_type = ContentType.objects.get_for_model(Contact)
    prefs: dict[int, dict[str, bool]] = {}
    rows = []
    for contact in contacts:
        owner = contact.owner
        if owner.pk not in prefs:
            prefs[owner.pk] = preference_for(owner, BIRTHDAY_KIND)
        wanted = prefs[owner.pk]
        if not (wanted["in_app"] or wanted["email"]):
            continue
        with translation.override(owner.language or settings.LANGUAGE_CODE):
            title = _("Anniversaire : %(name)s (%(age)s ans)") % {"name": contact,
                                                                  "age": on.year - contact.birth_date.year}
            body = _("Aujourd'hui — pensez à lui souhaiter un bon anniversaire.")
        key = f"birthday:{contact.pk}:{on.year}"
        if wanted["email"]:
            notify(user=owner, kind=BIRTHDAY_KIND, title=title, body=body, url=contact.get_absolute_url(),
                   about=contact, event_key=key)
            continue
        rows.append(Notification(organization_id=contact.organization_id, user=owner, kind=BIRTHDAY_KIND,
                                 title=title[:200], body=body, url=contact.get_absolute_url(),
                                 content_type=content_type, object_id=contact.pk, event_key=key))
    # ON CONFLICT DO NOTHING (PostgreSQL) / INSERT OR IGNORE (SQLite) on the event's unique key.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
