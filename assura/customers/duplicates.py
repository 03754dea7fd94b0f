"""Duplicate detection for contacts: the likely matches of one person (at creation, import,
API) and the company-wide scan that fills the "doublons probables" list; and for accounts,
the likely matches of one company at its creation (`account_matches`).

Contract used by other modules (leads conversion, import, forms, API):
    contact_matches(*, organization_id, last_name="", first_name="", phone="", email="", nin="",
                    birth_date=None, wilaya_id=None, exclude_pk=None, limit=5) -> list[Match]

Both paths are served by the indexes (organization, nin | email | phone | name_key): a
match is looked up, never found by reading the table; the scan groups with
GROUP BY … HAVING COUNT(*) > 1 on those same indexes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import groupby, islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from assura.core.jobs import job_enqueue, job_handler
from assura.core.permissions import user_can
from assura.core.search import name_key
from assura.core.validators import normalize_phone
from assura.customers.models import Account, Contact, DuplicateCandidate, DuplicateReason, DuplicateStatus
from assura.customers.validators import clean_nin

# What each reason weighs. A pair is proposed from MIN_SCORE: one exact identifier is
# enough; a name alone is not (namesakes are common), a name with a birth date or a wilaya is.
WEIGHTS = {"nin": 100, "email": 60, "phone": 50, "name": 30, "name_swapped": 25, "birth_date": 40, "wilaya": 15}
MIN_SCORE = 45
# Two different NINs say "two people" louder than a shared phone (a household) says "one".
NIN_CONFLICT_PENALTY = 60

REASON_LABELS = dict(DuplicateReason.choices)


@dataclass
class Match:
    contact: Contact
    score: int
    reasons: list[str] = dataclass_field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS.get(r, r)) for r in self.reasons]


def _clean_phone(value: str) -> str:
    try:
        return normalize_phone(value) if value else ""
    except Exception:  # an invalid number matches nothing; the form reports it elsewhere
        return ""


def _clean_nin(value: str) -> str:
    try:
        return clean_nin(value)
    except Exception:
        return ""


def _wilaya_code(value) -> str | None:
    """A Wilaya, its code "16" or the number 16 → "16" (codes have two digits)."""
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    return f"{value:02d}" if isinstance(value, int) else str(value)


def score_pair(*, nin=("", ""), email=("", ""), phone=("", ""), key=("", ""), swapped_key="",
               birth_date=(None, None), wilaya=(None, None)) -> tuple[int, list[str]]:
    """The score of two records given their (new, existing) values, and the reasons, strongest first."""
    score, reasons = 0, []
    if nin[0] and nin[0] == nin[1]:
        score, reasons = score + WEIGHTS["nin"], [*reasons, "nin"]
    if email[0] and email[0] == email[1]:
        score, reasons = score + WEIGHTS["email"], [*reasons, "email"]
    if phone[0] and phone[0] == phone[1]:
        score, reasons = score + WEIGHTS["phone"], [*reasons, "phone"]
    name_reason = None
    if key[0] and key[0] == key[1]:
        name_reason = "name"
    elif swapped_key and swapped_key == key[1]:
        name_reason = "name_swapped"
    if name_reason:
        births_known = birth_date[0] is not None and birth_date[1] is not None
        if births_known and birth_date[0] == birth_date[1]:
            score += WEIGHTS[name_reason] + WEIGHTS["birth_date"]
            reasons += [name_reason, "birth_date"]
        elif not births_known and wilaya[0] and wilaya[0] == wilaya[1]:
            # Same name and same wilaya counts only when no birth date says otherwise.
            score += WEIGHTS[name_reason] + WEIGHTS["wilaya"]
            reasons += [name_reason, "wilaya"]
    if nin[0] and nin[1] and nin[0] != nin[1]:
        score -= NIN_CONFLICT_PENALTY
    return max(score, 0), reasons


def contact_matches(*, organization_id, last_name="", first_name="", phone="", email="", nin="", birth_date=None,
                    wilaya_id=None, exclude_pk=None, limit=5) -> list[Match]:
    """Likely existing duplicates, best first: exact NIN / e-mail / phone, then the same
    name key (transliteration-tolerant, also with first and last names swapped) with the
    same birth date, or the same wilaya when the birth dates do not differ.

    One query, each branch served by an index leading with the organization (SQLite and
    PostgreSQL both use them together: MULTI-INDEX OR / BitmapOr)."""
    p = _Person.of(last_name=last_name, first_name=first_name, phone=phone, email=email, nin=nin,
                   birth_date=birth_date, wilaya_id=wilaya_id)
    nin, email, phone, birth_date, wilaya_id = p.nin, p.email, p.phone, p.birth_date, p.wilaya_id

    org = {"organization_id": organization_id}
    branches, rank = [], []
    if nin:
        branches.append(Q(**org, nin=nin))
        rank.append((Q(nin=nin), WEIGHTS["nin"]))
    if email:
        branches.append(Q(**org, email=email))
        rank.append((Q(email=email), WEIGHTS["email"]))
    if phone:
        branches.append(Q(**org, phone=phone))
        rank.append((Q(phone=phone), WEIGHTS["phone"]))
    # The birth date / wilaya test sits inside the name branch so that the index used is
    # (organization, name_key), never (organization, wilaya): a wilaya holds a million people.
    also = Q()
    if birth_date:
        also |= Q(birth_date=birth_date)
        rank.append((Q(birth_date=birth_date), WEIGHTS["birth_date"]))
    if wilaya_id:
        also |= Q(wilaya_id=wilaya_id)
    for k in p.name_keys:
        branches.append(Q(**org, name_key=k) & also)
    if not branches:
        return []
    condition = branches[0]
    for branch in branches[1:]:
        condition |= branch
    # Strongest first, so that the cap below never drops an exact match for namesakes.
    strength = sum((Case(When(q, then=Value(w)), default=Value(0), output_field=IntegerField()) for q, w in rank),
                   Value(0))
    candidates = Contact.objects.filter(condition).annotate(_strength=strength).order_by("-_strength", "pk")
    if exclude_pk:
        # The record itself, and the people an administrator already said are someone else
        # (subqueries of the same statement, served by the pair's foreign-key indexes).
        dismissed = DuplicateCandidate.objects.filter(status=DuplicateStatus.DISMISSED)
        candidates = candidates.exclude(pk=exclude_pk).exclude(
            pk__in=dismissed.filter(contact_a_id=exclude_pk).values("contact_b_id")
        ).exclude(pk__in=dismissed.filter(contact_b_id=exclude_pk).values("contact_a_id"))
    return p.best(candidates[:50], limit)


@dataclass
class _Person:
    """The normalised values of a person being checked."""

    nin: str
    email: str
    phone: str
    key: str
    swapped: str
    birth_date: object
    wilaya_id: str | None
    exclude_pk: int | None = None

    @classmethod
    def of(cls, *, last_name="", first_name="", phone="", email="", nin="", birth_date=None, wilaya_id=None,
           exclude_pk=None, **_ignored):
        key = name_key(last_name, first_name)[:200] if last_name else ""
        swapped = name_key(first_name, last_name)[:200] if last_name and first_name else ""
        return cls(nin=_clean_nin(nin), email=(email or "").strip().lower(), phone=_clean_phone(phone), key=key,
                   swapped="" if swapped == key else swapped, birth_date=birth_date or None,
                   wilaya_id=_wilaya_code(wilaya_id), exclude_pk=exclude_pk)

    @property
    def name_keys(self) -> list[str]:
        # A name alone never reaches MIN_SCORE: only look names up with what makes them count.
        return [k for k in (self.key, self.swapped) if k] if (self.birth_date or self.wilaya_id) else []

    def best(self, candidates, limit: int) -> list[Match]:
        matches = []
        for contact in candidates:
            score, reasons = score_pair(
                nin=(self.nin, contact.nin), email=(self.email, contact.email), phone=(self.phone, contact.phone),
                key=(self.key, contact.name_key), swapped_key=self.swapped,
                birth_date=(self.birth_date, contact.birth_date), wilaya=(self.wilaya_id, contact.wilaya_id),
            )
            if score >= MIN_SCORE:
                matches.append(Match(contact, score, reasons))
        matches.sort(key=lambda m: (-m.score, m.contact.pk))
        return matches[:limit]


def contact_matches_many(*, organization_id, people: list[dict], limit: int = 5, chunk: int = 500
                         ) -> list[list[Match]]:
    """`contact_matches` for many people at once (an import, a lead batch): each dict takes
    contact_matches' arguments (+ "exclude_pk"); the answer is one list of matches per person,
    in order. One query per `chunk` people (two when some carry exclude_pk), served by the
    same indexes with IN lists."""
    results: list[list[Match]] = []
    for start in range(0, len(people), chunk):
        batch = [_Person.of(**person) for person in people[start:start + chunk]]
        nins = {p.nin for p in batch if p.nin}
        emails = {p.email for p in batch if p.email}
        phones = {p.phone for p in batch if p.phone}
        keys = {k for p in batch for k in p.name_keys}
        org = {"organization_id": organization_id}
        condition = Q(pk__in=[])
        for field, values in (("nin", nins), ("email", emails), ("phone", phones), ("name_key", keys)):
            if values:
                condition |= Q(**org, **{f"{field}__in": sorted(values)})
        found = list(Contact.objects.filter(condition).order_by()) if (nins or emails or phones or keys) else []
        index: dict[tuple[str, str], list[Contact]] = defaultdict(list)
        for contact in found:
            for field in ("nin", "email", "phone", "name_key"):
                if getattr(contact, field):
                    index[(field, getattr(contact, field))].append(contact)
        dismissed = _dismissed_with({p.exclude_pk for p in batch if p.exclude_pk})
        for p in batch:
            candidates = {c.pk: c for field, value in (("nin", p.nin), ("email", p.email), ("phone", p.phone),
                                                       *(("name_key", k) for k in p.name_keys))
                          if value for c in index.get((field, value), ())}
            for pk in (p.exclude_pk, *dismissed.get(p.exclude_pk, ())):
                candidates.pop(pk, None)
            results.append(p.best(candidates.values(), limit))
    return results


def _dismissed_with(pks: set[int]) -> dict[int, set[int]]:
    """For each contact id, the contacts an administrator said are someone else."""
    pairs: dict[int, set[int]] = defaultdict(set)
    if pks:
        rows = DuplicateCandidate.objects.filter(Q(contact_a_id__in=pks) | Q(contact_b_id__in=pks),
                                                 status=DuplicateStatus.DISMISSED)
        for a, b in rows.values_list("contact_a_id", "contact_b_id"):
            pairs[a].add(b)
            pairs[b].add(a)
    return pairs


# --- Accounts ---------------------------------------------------------------------------------------

# Each is enough on its own: an identifier is one company's, and so is a name once the
# legal form, case, accents and punctuation are set aside.
ACCOUNT_WEIGHTS = {"nif": 100, "trade_register": 100, "nis": 100, "name": 60}


@dataclass
class AccountMatch:
    account: Account
    score: int
    reasons: list[str] = dataclass_field(default_factory=list)


def account_matches(*, organization_id, name="", nif="", trade_register="", nis="", exclude_pk=None,
                    limit=5) -> list[AccountMatch]:
    """Existing accounts of the company that are probably the one being created, best first:
    the same NIF, RC or NIS (spaces and punctuation ignored), or the same name (case, accents,
    punctuation and legal-form words such as SARL or SPA ignored). One query, each branch
    served by an index leading with the organization."""
    from assura.customers.services import account_name_key, identifier_key

    keys = {"nif": identifier_key(nif), "trade_register_key": identifier_key(trade_register)[:30],
            "nis": identifier_key(nis), "name_key": account_name_key(name)}
    branches = [Q(organization_id=organization_id, **{field: value}) for field, value in keys.items() if value]
    if not branches:
        return []
    condition = branches[0]
    for branch in branches[1:]:
        condition |= branch
    candidates = Account.objects.filter(condition).order_by("pk")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    matches = []
    for account in candidates[:50]:
        reasons = [reason for reason, field in (("nif", "nif"), ("trade_register", "trade_register_key"),
                                                ("nis", "nis"), ("name", "name_key"))
                   if keys[field] and getattr(account, field) == keys[field]]
        matches.append(AccountMatch(account, sum(ACCOUNT_WEIGHTS[r] for r in reasons), reasons))
    matches.sort(key=lambda m: (-m.score, m.account.pk))
    return matches[:limit]


# --- Company-wide scan --------------------------------------------------------------------------------

# A value shared by more people than this (an agency switchboard typed for every customer,
# "contact@…") is not a duplicate signal: the scan reports it instead of pairing everyone.
MAX_GROUP = 50


def _shared(contacts, field: str, *columns: str):
    """(pk, value, *columns) of every contact whose `field` another contact also has, ordered
    by value: one streamed query, `WHERE field IN (SELECT field … GROUP BY field HAVING
    COUNT(*) > 1)`, the inner part answered from the (organization, field) index alone."""
    values = contacts.exclude(**{field: ""}).values(field).annotate(n=Count("*")).filter(n__gt=1).values(field)
    rows = contacts.filter(**{f"{field}__in": values}).order_by(field, "pk").values_list("pk", field, *columns)
    return groupby(rows.iterator(chunk_size=5000), key=lambda row: row[1])


def _star_pairs(ids: list[int]):
    """A group of n contacts gives n-1 pairs, each with the oldest: merging them one by one
    into it resolves the group, without n² pairs."""
    ids = sorted(ids)
    return [(ids[0], other) for other in ids[1:]]


def duplicate_pairs(*, organization_id) -> tuple[dict[tuple[int, int], dict], int]:
    """Every likely pair of the company with its score and reasons, and the number of
    over-large groups skipped."""
    contacts = Contact.objects.filter(organization_id=organization_id)
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    nins: dict[int, str] = {}  # to tell two different NINs (a household sharing a phone)
    skipped = 0
    for field in ("nin", "email", "phone"):
        for _value, rows in _shared(contacts, field, "nin"):
            ids = []
            for pk, _value, nin in rows:
                ids.append(pk)
                nins[pk] = nin
            if len(ids) > MAX_GROUP:
                skipped += 1
                continue
            for pair in _star_pairs(ids):
                pairs[pair].add(field)
    # Names: the groups of one name key, then inside each, the same birth date, or the
    # same wilaya when the birth dates do not both exist.
    for _key, rows in _shared(contacts, "name_key", "birth_date", "wilaya_id", "nin"):
        by_birth, by_wilaya, births = defaultdict(list), defaultdict(list), {}
        for pk, _key, birth, wilaya, nin in rows:
            nins[pk], births[pk] = nin, birth
            if birth is not None:
                by_birth[birth].append(pk)
            if wilaya:
                by_wilaya[wilaya].append(pk)
        for group, reason in [*((g, "birth_date") for g in by_birth.values()),
                              *((g, "wilaya") for g in by_wilaya.values())]:
            if len(group) < 2:
                continue
            if len(group) > MAX_GROUP:
                skipped += 1
                continue
            for a, b in _star_pairs(group):
                if reason == "wilaya" and births[a] is not None and births[b] is not None:
                    continue  # both birth dates known: they decided already
                pairs[(a, b)].update({"name", reason})
    result = {}
    order = ["nin", "email", "phone", "name", "birth_date", "wilaya"]
    for (a, b), reasons in pairs.items():
        if "birth_date" in reasons:
            reasons.discard("wilaya")  # as in contact_matches: the birth date decides
        score = sum(WEIGHTS[r] for r in reasons)
        if nins.get(a) and nins.get(b) and nins[a] != nins[b]:
            score -= NIN_CONFLICT_PENALTY
        if score >= MIN_SCORE:
            result[(a, b)] = {"score": min(score, 32767), "reasons": [r for r in order if r in reasons]}
    return result, skipped


def _chunks(values, size):
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


@transaction.atomic
def duplicates_store(*, organization_id, pairs: dict[tuple[int, int], dict]) -> dict[str, int]:
    """Record the scan's pairs: new ones open, open ones refreshed, open ones no longer found
    removed; a pair already dismissed stays dismissed."""
    existing = {
        (a, b): (pk, status, score, reasons)
        for pk, a, b, status, score, reasons in DuplicateCandidate.objects.filter(
            organization_id=organization_id, contact_a__isnull=False, contact_b__isnull=False,
        ).values_list("pk", "contact_a_id", "contact_b_id", "status", "score", "reasons")
    }
    new, changed = [], []
    for (a, b), found in pairs.items():
        current = existing.get((a, b))
        if current is None:
            new.append(DuplicateCandidate(organization_id=organization_id, contact_a_id=a, contact_b_id=b,
                                          score=found["score"], reasons=found["reasons"]))
        elif current[1] == DuplicateStatus.OPEN and (current[2], current[3]) != (found["score"], found["reasons"]):
            changed.append(DuplicateCandidate(pk=current[0], score=found["score"], reasons=found["reasons"]))
    stale = [v[0] for k, v in existing.items() if v[1] == DuplicateStatus.OPEN and k not in pairs]
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
    DuplicateCandidate.objects.bulk_update(changed, ["score", "reasons"], batch_size=1000)
    for chunk in _chunks(stale, 1000):
        DuplicateCandidate.objects.filter(pk__in=chunk).delete()
    return {"created": len(new), "updated": len(changed), "removed": len(stale)}


@job_handler("customers.duplicates_scan")
def duplicates_scan(job, reporter) -> None:
    """The background scan of a whole company (Job "customers.duplicates_scan")."""
    reporter.set_total(2)
    pairs, skipped = duplicate_pairs(organization_id=job.organization_id)
    reporter.step()
    counts = duplicates_store(organization_id=job.organization_id, pairs=pairs)
    reporter.step()
    job.result = {"pairs": len(pairs), **counts, "skipped_groups": skipped}


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def duplicates_scan_start(*, actor, request=None):
    """Enqueue the company-wide scan (administrators: it proposes merges, which delete)."""
    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    return job_enqueue(kind="customers.duplicates_scan", user=actor)


@transaction.atomic
def duplicate_dismiss(*, actor, contact_a: Contact, contact_b: Contact, request=None) -> DuplicateCandidate:
    """Record that two contacts are different people: the pair is no longer proposed, by the
    scan or by the warnings when one of them is edited."""
    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    for contact in (contact_a, contact_b):
        if contact.organization_id != actor.organization_id:
            raise Http404
    if contact_a.pk == contact_b.pk:
        raise ValidationError(gettext("Choisissez deux contacts différents."))
    a, b = pair_key(contact_a.pk, contact_b.pk)
    candidate, _created = DuplicateCandidate.objects.select_for_update().get_or_create(
        organization_id=actor.organization_id, contact_a_id=a, contact_b_id=b,
    )
    candidate.status = DuplicateStatus.DISMISSED
    candidate.resolved_by = actor
    candidate.resolved_at = timezone.now()
    candidate.save()
    return candidate


def duplicate_candidates(*, user, status: str | None = DuplicateStatus.OPEN):
    """The pairs to review, best first, both contacts visible to the user (a merged pair has
    lost its duplicate side: it is kept as the record of the decision)."""
    visible = Contact.objects.visible_to(user).values("pk")
    qs = DuplicateCandidate.objects.visible_to(user).filter(
        Q(contact_a__isnull=True) | Q(contact_a__in=visible), Q(contact_b__isnull=True) | Q(contact_b__in=visible),
    )
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("contact_a", "contact_b", "contact_a__wilaya", "contact_b__wilaya", "resolved_by")
