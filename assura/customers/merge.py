"""Merging two customer records that are the same person or the same company into one.

`contact_merge` and `account_merge` take one path (`RecordMerger.merge`): the survivor keeps
its identity, takes from the duplicate the values chosen field by field, unites the lists
(phones, e-mails, tags, notes), moves every record that points to the duplicate — discovered
from the model's relations, so that the modules added later (policies, claims, tickets…) are
moved without being named here — then deletes the duplicate, in one transaction, with an
audit event and the field history. What differs between contacts and accounts (the links
with their own rules, the service that saves) is a few hooks of a subclass.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assura.core.audit import audit_record
from assura.core.models import AuditAction, FieldChange
from assura.core.money import grouped
from assura.core.permissions import user_can
from assura.core.records import snapshot
from assura.customers.duplicates import pair_key
from assura.customers.models import Account, Consent, Contact, DuplicateCandidate, DuplicateStatus, Relationship
from assura.customers.services import ACCOUNT_TRACKED, CONTACT_TRACKED, account_update, contact_update
from assura.customers.tables import phone_display

# A merge deletes a customer record: the roles allowed to delete customers merge them.
MERGE_ACTION = "records.delete"
# Records that point at a record through (content_type, object_id) and only make sense
# for the page they were made on: dropped rather than moved.
EPHEMERAL_GENERIC = {"core.recentview"}


@dataclass
class MergeRow:
    """One line of the merge screen."""

    field: str
    label: str
    value_a: str
    value_b: str
    default: str  # "a" or "b"

    @property
    def differs(self) -> bool:
        return self.value_a != self.value_b


def merge_default(survivor, duplicate, field: str) -> str:
    """The value proposed to survive: the only non-empty one, else the most recently updated record's."""
    a, b = getattr(survivor, field), getattr(duplicate, field)
    if a in (None, "") and b not in (None, ""):
        return "b"
    if a not in (None, "") and b not in (None, "") and a != b and duplicate.updated_at > survivor.updated_at:
        return "b"
    return "a"


# --- Where a record is referenced --------------------------------------------------------------------

def references(model: type[models.Model], skip=()) -> list[models.ForeignKey]:
    """Every foreign key of any model pointing to `model` (incl. the through tables of other
    models' many-to-many fields, and `model`'s own links to itself), except the through tables
    of `model`'s own many-to-many fields and the models in `skip`."""
    skip = {f.remote_field.through for f in model._meta.many_to_many} | set(skip)
    return [
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.is_relation and rel.auto_created and not rel.concrete and not rel.many_to_many
        and rel.related_model not in skip
    ]


def generic_reference_models() -> list[type[models.Model]]:
    """Models pointing at any record through `content_type` + `object_id` (attachments,
    field history, recently viewed, and later comments…)."""
    found = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.get_fields()}
        ct_field = names.get("content_type")
        if "object_id" in names and ct_field is not None and ct_field.is_relation \
                and ct_field.related_model is ContentType:
            found.append(model)
    return found


def _unique_sets(model, field_name: str) -> list[tuple[str, ...]]:
    sets = [tuple(fields) for fields in model._meta.unique_together]
    sets += [tuple(c.fields) for c in model._meta.constraints
             if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None]
    return [s for s in sets if field_name in s]


def _move(queryset, survivor_qs, field_name: str, survivor_value, model) -> tuple[int, int]:
    """Point `queryset`'s rows at the survivor; rows the survivor already has (same values on a
    unique key) are deleted instead, as the survivor's copy stands for them. Returns (moved, dropped)."""
    dropped = 0
    field = model._meta.get_field(field_name)
    if getattr(field, "unique", False) and survivor_qs.exists():
        dropped = queryset.count()  # a one-to-one the survivor already has: the survivor's stays
        queryset.delete()
        return 0, dropped
    for fields in _unique_sets(model, field_name):
        others = [f for f in fields if f != field_name]
        taken = set(survivor_qs.values_list(*others))
        if not taken:
            continue
        clashing = [pk for pk, *values in queryset.values_list("pk", *others) if tuple(values) in taken]
        if clashing:
            dropped += len(clashing)
            model._base_manager.filter(pk__in=clashing).delete()
    moved = queryset.update(**{field_name: survivor_value})
    return moved, dropped


# --- Lists united from both records ----------------------------------------------------------------------

def _union_phones(main: str, *records, default_type: str = "mobile") -> list[dict]:
    seen, phones = set(), []
    entries = []
    for record in records:
        entries += [{"type": default_type, "number": record.phone}] if record.phone else []
        entries += list(record.phones or [])
    if main:
        entries.insert(0, next((p for p in entries if p.get("number") == main), {"type": default_type, "number": main}))
    for entry in entries:
        number = entry.get("number")
        if number and number not in seen:
            seen.add(number)
            phones.append({"type": entry.get("type") or default_type, "number": number})
    return phones


def _union_emails(main: str, *records) -> list[str]:
    emails = [main] if main else []
    for record in records:
        emails += [record.email, *(record.emails or [])]
    return list(dict.fromkeys(e for e in emails if e))


# --- The merge, shared by contacts and accounts ------------------------------------------------------------

class RecordMerger:
    """How records of one model are merged. Subclasses name the model, the fields whose
    surviving value is chosen, the models they move by their own rules, and the service that
    saves the survivor."""

    model: type[models.Model]
    fields: tuple[str, ...]
    special: tuple[type[models.Model], ...] = ()  # moved by `special_moves`, counted by `special_counts`
    default_phone_type = "mobile"
    self_merge_message = gettext_lazy("Une fiche ne peut pas être fusionnée avec elle-même.")
    self_reference_label = gettext_lazy("fiches rattachées")

    # Hooks ---------------------------------------------------------------------------------------------
    def identity(self, record) -> dict:
        """What names the record in the audit event."""
        raise NotImplementedError

    def label(self, record) -> str:
        raise NotImplementedError

    def special_moves(self, survivor, duplicate) -> dict[str, tuple[int, int]]:
        return {}

    def special_counts(self, record) -> list[tuple[str, int]]:
        return []

    def prepare(self, *, survivor, duplicate, data: dict, choices: dict) -> None:
        """Adjust the survivor's new values before anything moves."""

    def after_move(self, *, actor, survivor, duplicate) -> None:
        """Bookkeeping once the related records are on the survivor."""

    def save(self, *, actor, record, request, data: dict) -> None:
        raise NotImplementedError

    # Shared path ---------------------------------------------------------------------------------------
    def references(self) -> list[models.ForeignKey]:
        return references(self.model, self.special)

    def _displayed(self, record) -> dict[str, str]:
        values = snapshot(record, self.fields)
        for field in self.fields:
            value = getattr(record, field)
            if isinstance(value, datetime.date):
                values[field] = date_format(value, "d/m/Y")
            elif isinstance(value, Decimal):
                values[field] = grouped(value)  # 12 549 000,00 as on the record's page
            elif field == "phone" and value:
                values[field] = phone_display(value)
        return values

    def rows(self, survivor, duplicate) -> list[MergeRow]:
        """Side-by-side values of every mergeable field that at least one of the two has."""
        a, b = self._displayed(survivor), self._displayed(duplicate)
        return [
            MergeRow(field, str(self.model._meta.get_field(field).verbose_name), a[field], b[field],
                     merge_default(survivor, duplicate, field))
            for field in self.fields
            if a[field] or b[field]
        ]

    def _fk_label(self, fk) -> str:
        if fk.model is self.model:
            return str(self.self_reference_label)
        owner = fk.model._meta.auto_created or fk.model  # an M2M through table: name its owner
        return str(owner._meta.verbose_name_plural)

    def related_counts(self, record) -> list[tuple[str, int]]:
        """What points at a record, as (label, count), for the merge screen: what will move."""
        counts = list(self.special_counts(record))
        for fk in self.references():
            counts.append((self._fk_label(fk), fk.model._base_manager.filter(**{fk.name: record}).count()))
        content_type = ContentType.objects.get_for_model(self.model)
        for model in generic_reference_models():
            if model._meta.label_lower not in EPHEMERAL_GENERIC:
                counts.append((str(model._meta.verbose_name_plural),
                               model._base_manager.filter(content_type=content_type, object_id=record.pk).count()))
        return [(label, n) for label, n in counts if n]

    def move_related(self, *, survivor, duplicate) -> dict[str, dict[str, int]]:
        """Move everything that points to the duplicate onto the survivor. Returns, per relation
        ("app.model.field"), how many rows were moved and how many were already on the survivor."""
        report: dict[str, dict[str, int]] = {}

        def note(key, moved, dropped):
            if moved or dropped:
                report[key] = {"moved": moved, "dropped": dropped}

        for key, (moved, dropped) in self.special_moves(survivor, duplicate).items():
            note(key, moved, dropped)
        for fk in self.references():
            model = fk.model
            qs = model._base_manager.filter(**{fk.name: duplicate})
            own = 0
            if model is self.model:
                # A link of the record's own kind (a subsidiary's parent): the survivor pointing at
                # the duplicate would point at itself, so that link goes instead.
                own = qs.filter(pk=survivor.pk).update(**{fk.name: None})
                qs = qs.exclude(pk=survivor.pk)
            moved, dropped = _move(qs, model._base_manager.filter(**{fk.name: survivor}), fk.name, survivor, model)
            note(f"{model._meta.label_lower}.{fk.name}", moved, dropped + own)
        content_type = ContentType.objects.get_for_model(self.model)
        for model in generic_reference_models():
            qs = model._base_manager.filter(content_type=content_type, object_id=duplicate.pk)
            if model._meta.label_lower in EPHEMERAL_GENERIC:
                qs.delete()
                continue
            survivor_qs = model._base_manager.filter(content_type=content_type, object_id=survivor.pk)
            note(model._meta.label_lower, *_move(qs, survivor_qs, "object_id", survivor.pk, model))
        return report

    def validate_choices(self, choices: dict) -> None:
        errors = {}
        for field, side in (choices or {}).items():
            if field not in self.fields:
                errors.setdefault("__all__", []).append(_("Champ inconnu : %(f)s.") % {"f": field})
            elif side not in ("a", "b"):
                errors[field] = [_("Choisissez la valeur de l'une des deux fiches.")]
        if errors:
            raise ValidationError(errors)

    def united(self, survivor, duplicate, data: dict) -> dict:
        """The lists both records contribute to: phones, e-mails, tags, notes."""
        main_phone = data.get("phone", survivor.phone)
        main_email = data.get("email", survivor.email)
        united = {
            "phones": _union_phones(main_phone, survivor, duplicate, default_type=self.default_phone_type),
            "emails": _union_emails(main_email, survivor, duplicate),
            "tags": list({*survivor.tags.all(), *duplicate.tags.all()}),
        }
        if duplicate.notes and duplicate.notes not in survivor.notes:
            united["notes"] = "\n\n".join(n for n in (survivor.notes, duplicate.notes) if n)
        return united

    def merge(self, *, actor, survivor, duplicate, choices: dict[str, str], request=None):
        """Merge `duplicate` into `survivor`. `choices[field]` is "a" to keep the survivor's value
        or "b" to take the duplicate's (fields left out keep the survivor's). Roles allowed to
        delete customers only (`MERGE_ACTION`); another company's record is a 404."""
        if not user_can(actor, MERGE_ACTION):
            raise PermissionDenied
        for record in (survivor, duplicate):
            if record.organization_id != actor.organization_id:
                raise Http404
        if survivor.pk == duplicate.pk:
            raise ValidationError(str(self.self_merge_message))
        self.validate_choices(choices)
        with transaction.atomic():
            # Lock both rows (in id order, so two merges of the same pair cannot deadlock) and read them afresh.
            locked = {r.pk: r for r in self.model.objects.select_for_update().filter(
                organization_id=actor.organization_id, pk__in=sorted([survivor.pk, duplicate.pk])).order_by("pk")}
            if len(locked) != 2:
                raise Http404
            survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]

            taken = [f for f in self.fields if choices.get(f) == "b"]
            data = {f: getattr(duplicate, f) for f in taken}
            data.update(self.united(survivor, duplicate, data))
            self.prepare(survivor=survivor, duplicate=duplicate, data=data, choices=choices)
            duplicate_values = snapshot(duplicate, self.fields)
            duplicate_label = self.label(duplicate)

            moved = self.move_related(survivor=survivor, duplicate=duplicate)
            self.after_move(actor=actor, survivor=survivor, duplicate=duplicate)
            self.save(actor=actor, record=survivor, request=request, data=data)
            FieldChange.objects.create(
                organization_id=survivor.organization_id, content_type=ContentType.objects.get_for_model(self.model),
                object_id=survivor.pk, field="merge", field_label=str(gettext_lazy("Fusion"))[:120],
                old_value=duplicate_label, new_value=self.label(survivor), actor=actor,
            )
            audit_record(
                action=AuditAction.DELETION, actor=actor, target=duplicate, request=request,
                data={"merge": True, **self.identity(duplicate),
                      "merged_into": {"id": survivor.pk, **self.identity(survivor)},
                      "fields_taken": taken, "duplicate_values": duplicate_values, "moved": moved},
            )
            duplicate.delete()
        return survivor


# --- Contacts ----------------------------------------------------------------------------------------------

def _move_relationships(survivor: Contact, duplicate: Contact) -> tuple[int, int]:
    """Links of the duplicate become the survivor's, except a link to the survivor itself and
    a link the survivor already has (either way round: A parent of B is B child of A)."""
    from assura.customers.services import INVERSE_RELATION

    moved = dropped = 0
    for rel in Relationship.objects.filter(Q(contact=duplicate) | Q(related_contact=duplicate)).order_by("pk"):
        outgoing = rel.contact_id == duplicate.pk
        other = rel.related_contact_id if outgoing else rel.contact_id
        if rel.account_id is not None:
            exists = Relationship.objects.filter(contact=survivor, account_id=rel.account_id, kind=rel.kind)
        else:
            # Seen from the survivor: survivor –kind→ other.
            kind = rel.kind if outgoing else INVERSE_RELATION.get(rel.kind, rel.kind)
            exists = Relationship.objects.filter(
                Q(contact=survivor, related_contact_id=other, kind=kind)
                | Q(contact_id=other, related_contact=survivor, kind=INVERSE_RELATION.get(kind, kind))
            )
        if other == survivor.pk or exists.exists():
            rel.delete()
            dropped += 1
        else:
            Relationship.objects.filter(pk=rel.pk).update(**{"contact" if outgoing else "related_contact": survivor})
            moved += 1
    return moved, dropped


def _move_consents(survivor: Contact, duplicate: Contact) -> tuple[int, int]:
    """One consent per channel: the most recent decision wins."""
    moved = dropped = 0
    current = {c.channel: c for c in Consent.objects.filter(contact=survivor)}
    for consent in Consent.objects.filter(contact=duplicate):
        mine = current.get(consent.channel)
        if mine is None:
            Consent.objects.filter(pk=consent.pk).update(contact=survivor)
            moved += 1
            continue
        if consent.recorded_at > mine.recorded_at:
            Consent.objects.filter(pk=mine.pk).update(granted=consent.granted, recorded_at=consent.recorded_at,
                                                      source=consent.source)
        consent.delete()
        dropped += 1
    return moved, dropped


def _move_candidates(*, actor, survivor: Contact, duplicate: Contact) -> None:
    """The pair being merged is marked merged; the duplicate's other pairs become the survivor's."""
    now = timezone.now()
    for cand in DuplicateCandidate.objects.filter(Q(contact_a=duplicate) | Q(contact_b=duplicate)):
        other = cand.contact_b_id if cand.contact_a_id == duplicate.pk else cand.contact_a_id
        if other is None:
            continue
        if other == survivor.pk:
            DuplicateCandidate.objects.filter(pk=cand.pk).update(status=DuplicateStatus.MERGED, resolved_by=actor,
                                                                 resolved_at=now)
            continue
        a, b = pair_key(survivor.pk, other)
        if DuplicateCandidate.objects.filter(organization_id=cand.organization_id, contact_a_id=a,
                                             contact_b_id=b).exists():
            cand.delete()
        else:
            DuplicateCandidate.objects.filter(pk=cand.pk).update(contact_a_id=a, contact_b_id=b)


class ContactMerger(RecordMerger):
    model = Contact
    fields = CONTACT_TRACKED  # the client code stays the survivor's
    # Handled by their own rules (merge of consents, no self-links, pair bookkeeping).
    special = (Relationship, Consent, DuplicateCandidate)
    self_merge_message = gettext_lazy("Un contact ne peut pas être fusionné avec lui-même.")

    def identity(self, record) -> dict:
        return {"code": record.code}

    def label(self, record) -> str:
        return f"{record.code} – {record}"

    def special_moves(self, survivor, duplicate):
        return {"customers.relationship": _move_relationships(survivor, duplicate),
                "customers.consent": _move_consents(survivor, duplicate)}

    def special_counts(self, record):
        return [
            (str(Relationship._meta.verbose_name_plural),
             Relationship.objects.filter(Q(contact=record) | Q(related_contact=record)).count()),
            (str(Consent._meta.verbose_name_plural), Consent.objects.filter(contact=record).count()),
        ]

    def after_move(self, *, actor, survivor, duplicate):
        _move_candidates(actor=actor, survivor=survivor, duplicate=duplicate)

    def save(self, *, actor, record, request, data):
        contact_update(actor=actor, contact=record, request=request, **data)


# --- Accounts ----------------------------------------------------------------------------------------------

def _move_account_relationships(survivor: Account, duplicate: Account) -> tuple[int, int]:
    """The duplicate's people become the survivor's, except a link the survivor already has
    (same person, same role)."""
    moved = dropped = 0
    have = set(Relationship.objects.filter(account=survivor).values_list("contact_id", "kind"))
    for rel in Relationship.objects.filter(account=duplicate).order_by("pk"):
        if (rel.contact_id, rel.kind) in have:
            rel.delete()
            dropped += 1
        else:
            Relationship.objects.filter(pk=rel.pk).update(account=survivor)
            have.add((rel.contact_id, rel.kind))
            moved += 1
    return moved, dropped


class AccountMerger(RecordMerger):
    model = Account
    fields = ACCOUNT_TRACKED
    special = (Relationship,)  # a person's role in the company is kept once
    default_phone_type = "work"
    self_merge_message = gettext_lazy("Un compte ne peut pas être fusionné avec lui-même.")
    self_reference_label = gettext_lazy("filiales")

    def identity(self, record) -> dict:
        return {"name": record.name, "nif": record.nif}

    def label(self, record) -> str:
        return f"{record} (NIF {record.nif})" if record.nif else str(record)

    def special_moves(self, survivor, duplicate):
        return {"customers.relationship.account": _move_account_relationships(survivor, duplicate)}

    def special_counts(self, record):
        return [(str(Relationship._meta.verbose_name_plural), Relationship.objects.filter(account=record).count())]

    def prepare(self, *, survivor, duplicate, data, choices):
        """The parent company: never one of the two merged (the survivor would be its own parent),
        and never a company that the merge would put under the survivor (a loop)."""
        parent = duplicate.parent if choices.get("parent") == "b" else survivor.parent
        merged = {survivor.pk, duplicate.pk}
        if parent is not None and parent.pk in merged:
            parent = None
        node, seen = parent.parent_id if parent is not None else None, set()
        while node is not None and node not in seen:
            if node in merged:
                raise ValidationError({"parent": [_("Cette société mère est une filiale de l'un des deux comptes : "
                                                    "choisissez l'autre valeur.")]})
            seen.add(node)
            node = Account.objects.filter(pk=node).values_list("parent_id", flat=True).first()
        data["parent"] = parent

    def save(self, *, actor, record, request, data):
        account_update(actor=actor, account=record, request=request, **data)


CONTACTS = ContactMerger()
ACCOUNTS = AccountMerger()
MERGERS: dict[type[models.Model], RecordMerger] = {Contact: CONTACTS, Account: ACCOUNTS}

# The fields whose surviving value is chosen on the contact merge screen.
MERGE_FIELDS = CONTACTS.fields


def merger_for(record_or_model) -> RecordMerger:
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return MERGERS[model]


def contact_references() -> list[models.ForeignKey]:
    return CONTACTS.references()


def merge_rows(survivor, duplicate) -> list[MergeRow]:
    return merger_for(survivor).rows(survivor, duplicate)


def related_counts(record) -> list[tuple[str, int]]:
    return merger_for(record).related_counts(record)


def move_related(*, survivor, duplicate) -> dict[str, dict[str, int]]:
    return merger_for(survivor).move_related(survivor=survivor, duplicate=duplicate)


def contact_merge(*, actor, survivor: Contact, duplicate: Contact, choices: dict[str, str], request=None) -> Contact:
    """Merge the contact `duplicate` into `survivor` (see `RecordMerger.merge`)."""
    return CONTACTS.merge(actor=actor, survivor=survivor, duplicate=duplicate, choices=choices, request=request)


def account_merge(*, actor, survivor: Account, duplicate: Account, choices: dict[str, str], request=None) -> Account:
    """Merge the account `duplicate` into `survivor`: its people, activities, subsidiaries,
    and whatever the other modules attach to a company (see `RecordMerger.merge`)."""
    return ACCOUNTS.merge(actor=actor, survivor=survivor, duplicate=duplicate, choices=choices, request=request)
