"""Merging two contacts that are the same person into one.

`contact_merge` keeps the survivor, takes from the duplicate the values chosen field by
field, unites the lists (phones, e-mails, tags, consents), moves every record that points
to the duplicate — discovered from the model's relations, so that the modules added later
(policies, claims, tickets…) are moved without being named here — then deletes the
duplicate, in one transaction, with an audit event and the field history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

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
from assura.core.permissions import user_can
from assura.core.records import snapshot
from assura.customers.duplicates import pair_key
from assura.customers.models import Consent, Contact, DuplicateCandidate, DuplicateStatus, Relationship
from assura.customers.services import CONTACT_TRACKED, contact_update

# The fields whose surviving value is chosen on the merge screen (the client code stays the survivor's).
MERGE_FIELDS = CONTACT_TRACKED
# Records that point at a contact through (content_type, object_id) and only make sense
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


def merge_default(survivor: Contact, duplicate: Contact, field: str) -> str:
    """The value proposed to survive: the only non-empty one, else the most recently updated record's."""
    a, b = getattr(survivor, field), getattr(duplicate, field)
    if a in (None, "") and b not in (None, ""):
        return "b"
    if a not in (None, "") and b not in (None, "") and a != b and duplicate.updated_at > survivor.updated_at:
        return "b"
    return "a"


def _displayed(contact: Contact) -> dict[str, str]:
    values = snapshot(contact, MERGE_FIELDS)
    for field in MERGE_FIELDS:
        value = getattr(contact, field)
        if isinstance(value, datetime.date):
            values[field] = date_format(value, "d/m/Y")
    return values


def merge_rows(survivor: Contact, duplicate: Contact) -> list[MergeRow]:
    """Side-by-side values of every mergeable field that at least one of the two has."""
    a, b = _displayed(survivor), _displayed(duplicate)
    return [
        MergeRow(field, str(Contact._meta.get_field(field).verbose_name), a[field], b[field],
                 merge_default(survivor, duplicate, field))
        for field in MERGE_FIELDS
        if a[field] or b[field]
    ]


# --- Where contacts are referenced ---------------------------------------------------------------------

def _own_m2m_through() -> set[type[models.Model]]:
    return {f.remote_field.through for f in Contact._meta.many_to_many}


# Handled by their own rules below (merge of consents, no self-links, pair bookkeeping).
_SPECIAL = {Relationship, Consent, DuplicateCandidate}


def contact_references() -> list[models.ForeignKey]:
    """Every foreign key of any model pointing to Contact (incl. the through tables of
    other models' many-to-many fields), except the contact's own tags and the special cases."""
    skip = _own_m2m_through() | _SPECIAL
    return [
        rel.field
        for rel in Contact._meta.get_fields(include_hidden=True)
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


def move_related(*, survivor: Contact, duplicate: Contact) -> dict[str, dict[str, int]]:
    """Move everything that points to the duplicate onto the survivor. Returns, per relation
    ("app.model.field"), how many rows were moved and how many were already on the survivor."""
    report: dict[str, dict[str, int]] = {}

    def note(key, moved, dropped):
        if moved or dropped:
            report[key] = {"moved": moved, "dropped": dropped}

    note("customers.relationship", *_move_relationships(survivor, duplicate))
    note("customers.consent", *_move_consents(survivor, duplicate))
    for fk in contact_references():
        model = fk.model
        qs = model._base_manager.filter(**{fk.name: duplicate})
        note(f"{model._meta.label_lower}.{fk.name}",
             *_move(qs, model._base_manager.filter(**{fk.name: survivor}), fk.name, survivor, model))
    content_type = ContentType.objects.get_for_model(Contact)
    for model in generic_reference_models():
        qs = model._base_manager.filter(content_type=content_type, object_id=duplicate.pk)
        if model._meta.label_lower in EPHEMERAL_GENERIC:
            qs.delete()
            continue
        survivor_qs = model._base_manager.filter(content_type=content_type, object_id=survivor.pk)
        note(model._meta.label_lower, *_move(qs, survivor_qs, "object_id", survivor.pk, model))
    return report


def related_counts(contact: Contact) -> list[tuple[str, int]]:
    """What points at a contact, as (label, count), for the merge screen: what will move."""
    counts = [
        (str(Relationship._meta.verbose_name_plural),
         Relationship.objects.filter(Q(contact=contact) | Q(related_contact=contact)).count()),
        (str(Consent._meta.verbose_name_plural), Consent.objects.filter(contact=contact).count()),
    ]
    for fk in contact_references():
        owner = fk.model._meta.auto_created or fk.model  # an M2M through table: name its owner
        counts.append((str(owner._meta.verbose_name_plural),
                       fk.model._base_manager.filter(**{fk.name: contact}).count()))
    content_type = ContentType.objects.get_for_model(Contact)
    for model in generic_reference_models():
        if model._meta.label_lower not in EPHEMERAL_GENERIC:
            counts.append((str(model._meta.verbose_name_plural),
                           model._base_manager.filter(content_type=content_type, object_id=contact.pk).count()))
    return [(label, n) for label, n in counts if n]


# --- The merge -------------------------------------------------------------------------------------------

def _union_phones(main: str, *contacts: Contact) -> list[dict]:
    seen, phones = set(), []
    entries = []
    for contact in contacts:
        entries += [{"type": "mobile", "number": contact.phone}] if contact.phone else []
        entries += list(contact.phones or [])
    if main:
        entries.insert(0, next((p for p in entries if p.get("number") == main), {"type": "mobile", "number": main}))
    for entry in entries:
        number = entry.get("number")
        if number and number not in seen:
            seen.add(number)
            phones.append({"type": entry.get("type") or "mobile", "number": number})
    return phones


def _union_emails(main: str, *contacts: Contact) -> list[str]:
    emails = [main] if main else []
    for contact in contacts:
        emails += [contact.email, *(contact.emails or [])]
    return list(dict.fromkeys(e for e in emails if e))


def _validate_choices(choices: dict) -> None:
    errors = {}
    for field, side in (choices or {}).items():
        if field not in MERGE_FIELDS:
            errors.setdefault("__all__", []).append(_("Champ inconnu : %(f)s.") % {"f": field})
        elif side not in ("a", "b"):
            errors[field] = [_("Choisissez la valeur de l'une des deux fiches.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_merge(*, actor, survivor: Contact, duplicate: Contact, choices: dict[str, str], request=None) -> Contact:
    """Merge `duplicate` into `survivor`. `choices[field]` is "a" to keep the survivor's value
    or "b" to take the duplicate's (fields left out keep the survivor's). Administrators only
    (action "records.delete"); another company's contact is a 404."""
    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    for contact in (survivor, duplicate):
        if contact.organization_id != actor.organization_id:
            raise Http404
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Un contact ne peut pas être fusionné avec lui-même."))
    _validate_choices(choices)
    # Lock both rows (in id order, so two merges of the same pair cannot deadlock) and read them afresh.
    locked = {c.pk: c for c in Contact.objects.select_for_update().filter(
        organization_id=actor.organization_id, pk__in=sorted([survivor.pk, duplicate.pk])).order_by("pk")}
    if len(locked) != 2:
        raise Http404
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]

    taken = [f for f in MERGE_FIELDS if choices.get(f) == "b"]
    data = {f: getattr(duplicate, f) for f in taken}
    main_phone = data.get("phone", survivor.phone)
    main_email = data.get("email", survivor.email)
    data["phones"] = _union_phones(main_phone, survivor, duplicate)
    data["emails"] = _union_emails(main_email, survivor, duplicate)
    data["tags"] = list({*survivor.tags.all(), *duplicate.tags.all()})
    if duplicate.notes and duplicate.notes not in survivor.notes:
        data["notes"] = "\n\n".join(n for n in (survivor.notes, duplicate.notes) if n)
    duplicate_values = snapshot(duplicate, MERGE_FIELDS)
    duplicate_label = f"{duplicate.code} – {duplicate}"

    moved = move_related(survivor=survivor, duplicate=duplicate)
    _move_candidates(actor=actor, survivor=survivor, duplicate=duplicate)
    contact_update(actor=actor, contact=survivor, request=request, **data)
    FieldChange.objects.create(
        organization_id=survivor.organization_id, content_type=ContentType.objects.get_for_model(Contact),
        object_id=survivor.pk, field="merge", field_label=str(gettext_lazy("Fusion"))[:120],
        old_value=duplicate_label, new_value=f"{survivor.code} – {survivor}", actor=actor,
    )
    audit_record(
        action=AuditAction.DELETION, actor=actor, target=duplicate, request=request,
        data={"merge": True, "code": duplicate.code, "merged_into": {"id": survivor.pk, "code": survivor.code},
              "fields_taken": taken, "duplicate_values": duplicate_values, "moved": moved},
    )
    duplicate.delete()
    return survivor
