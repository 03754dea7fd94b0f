"""Writes of the leads app: create and qualify a lead, move it along the pipeline, assign it
by the company's rules, convert it into a contact (and an account).

Every function is keyword-only, runs in a transaction, validates with full_clean(), keeps
the normalised search column current and records field history.

Temperature rule (when not set by hand). Each qualification answer scores points:

    budget, intérêt, pertinence   faible 0 · moyen 1 · élevé 2
    délai de décision             plus tard 0 · sous trois mois 1 · sous un mois 2 · immédiat 2

An unanswered criterion scores 0. Total 0–2 → froid, 3–5 → tiède, 6–8 → chaud. A lead
nobody has qualified yet is therefore cold, as the thesis defines a cold lead. A temperature
is "set by hand" when it differs from what the rule gives; it then survives later edits
until it is cleared (empty value = automatic again).

Assignment (on creation, when no owner is given): the company's active rules are tried by
priority (then age); the first that matches the lead and has someone to give it to wins:
  - round_robin: matches every lead;
  - agence: matches a lead created with that agency;
  - wilaya: matches a lead from that wilaya.
A rule gives leads in turn to its users (active ones, by id); an agency or wilaya rule
without users gives them in turn to the active members of its agency. The turn (the rule's
`position`) advances under a row lock, so two leads created at once go to two people. A
rule's agency is also given to the leads it assigns that have none. No rule → the creator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assura.core.permissions import user_can
from assura.core.records import history_record, notify, snapshot
from assura.core.search import search_text
from assura.core.validators import normalize_phone
from assura.leads.choices import AssignmentMode, DecisionTimeframe, LeadStatus, Level, LostReason, Temperature
from assura.leads.models import AssignmentRule, Lead

LEAD_FIELDS = (
    "full_name", "job_title", "company", "phone", "email", "wilaya", "source", "products_wanted", "budget",
    "interest", "decision_timeframe", "relevance", "temperature", "owner", "agency", "notes",
)
QUALIFICATION_FIELDS = ("budget", "interest", "decision_timeframe", "relevance")
TRACKED = (*LEAD_FIELDS, "status", "lost_reason")

# Where each status may go by hand. "converti" is reached only through lead_convert.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    LeadStatus.NEW: (LeadStatus.CONTACTED, LeadStatus.LOST),
    LeadStatus.CONTACTED: (LeadStatus.QUALIFIED, LeadStatus.LOST),
    LeadStatus.QUALIFIED: (LeadStatus.CONTACTED, LeadStatus.LOST),
    LeadStatus.LOST: (LeadStatus.CONTACTED,),  # reopen
    LeadStatus.CONVERTED: (),
}

LEVEL_POINTS = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}
TIMEFRAME_POINTS = {
    DecisionTimeframe.LATER: 0, DecisionTimeframe.QUARTER: 1, DecisionTimeframe.MONTH: 2,
    DecisionTimeframe.IMMEDIATE: 2,
}
WARM_FROM, HOT_FROM = 3, 6
_AUTO = object()  # "temperature" not given at all


def _require(actor, action: str) -> None:
    if not user_can(actor, action):
        raise PermissionDenied


def _same_company(actor, *objs) -> None:
    # Services trust nothing: an object of another company is treated as missing.
    for obj in objs:
        if obj is not None and getattr(obj, "organization_id", None) != actor.organization_id:
            raise Http404


def _lock(lead: Lead) -> None:
    """Lock the lead's row for the transaction and read its current state into `lead`:
    two concurrent conversions or transitions run one after the other, the second seeing the first."""
    list(Lead.objects.select_for_update().filter(pk=lead.pk).values_list("pk"))
    lead.refresh_from_db()


def _members(actor, *users) -> None:
    for user in users:
        if user is not None and user.organization_id != actor.organization_id:
            raise Http404


# --- Temperature ---------------------------------------------------------------------------------

def qualification_score(*, budget: str = "", interest: str = "", decision_timeframe: str = "",
                        relevance: str = "") -> int:
    return (LEVEL_POINTS.get(budget, 0) + LEVEL_POINTS.get(interest, 0) + LEVEL_POINTS.get(relevance, 0)
            + TIMEFRAME_POINTS.get(decision_timeframe, 0))


def temperature_for(*, budget: str = "", interest: str = "", decision_timeframe: str = "",
                    relevance: str = "") -> str:
    """The temperature the qualification gives (the rule in this module's docstring)."""
    score = qualification_score(budget=budget, interest=interest, decision_timeframe=decision_timeframe,
                                relevance=relevance)
    if score >= HOT_FROM:
        return Temperature.HOT
    if score >= WARM_FROM:
        return Temperature.WARM
    return Temperature.COLD


def automatic_temperature(lead: Lead) -> str:
    return temperature_for(**{f: getattr(lead, f) or "" for f in QUALIFICATION_FIELDS})


def temperature_is_manual(lead: Lead) -> bool:
    return lead.temperature != automatic_temperature(lead)


# --- Create and update ----------------------------------------------------------------------------

def refresh_lead_search(lead: Lead) -> None:
    lead.search_text = search_text(lead.full_name, lead.company, lead.email, phones=[lead.phone] if lead.phone else [])


def lead_build(*, lead: Lead, data: dict) -> Lead:
    """Apply `data` to `lead`, normalised and validated (every field's errors at once). Does
    not save. A `temperature` key that is empty means "automatic"; absent, an automatic
    temperature follows the qualification and a hand-set one stays."""
    unknown = set(data) - set(LEAD_FIELDS)
    if unknown:
        raise TypeError(f"Unknown lead fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    data = dict(data)
    was_manual = lead.pk is not None and temperature_is_manual(lead)
    for key in ("full_name", "job_title", "company", "products_wanted"):
        if isinstance(data.get(key), str):
            data[key] = " ".join(data[key].split())
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if isinstance(data.get("email"), str):
        data["email"] = data["email"].strip().lower()
    for key in QUALIFICATION_FIELDS:
        if key in data and data[key] is None:
            data[key] = ""
    temperature = data.pop("temperature", _AUTO)
    for key, value in data.items():
        if key not in errors:
            setattr(lead, key, value)
    if temperature is _AUTO:
        if not was_manual:
            lead.temperature = automatic_temperature(lead)
    else:
        lead.temperature = temperature or automatic_temperature(lead)
    refresh_lead_search(lead)
    try:
        lead.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return lead


def _notify_owner(*, lead: Lead, actor) -> None:
    if lead.owner_id and lead.owner_id != getattr(actor, "pk", None):
        notify(
            user=lead.owner, kind="lead.assigned",
            title=_("Nouvelle piste attribuée : %(name)s") % {"name": lead.full_name},
            body=" · ".join(p for p in (lead.company, lead.get_source_display(), lead.products_wanted) if p),
            url=lead.get_absolute_url(),
        )


@transaction.atomic
def lead_create(*, actor, request=None, status: str = LeadStatus.NEW, lost_reason: str = "", **data) -> Lead:
    """Create a lead. Without an owner, the assignment rules choose one (else the creator);
    without an agency, it takes the rule's or the owner's. `status` may be given for imports
    (never "converti"; "perdu" with its reason)."""
    _require(actor, "leads.edit")
    _same_company(actor, data.get("agency"))
    _members(actor, data.get("owner"))
    if status == LeadStatus.CONVERTED:
        raise ValidationError({"status": [_("Une piste ne devient « convertie » que par sa conversion.")]})
    if status == LeadStatus.LOST and not lost_reason:
        raise ValidationError({"lost_reason": [_("Indiquez la raison de la perte.")]})
    lead = Lead(organization_id=actor.organization_id, status=status,
                lost_reason=lost_reason if status == LeadStatus.LOST else "")
    lead_build(lead=lead, data=data)
    if lead.owner_id is None:
        rule, owner = assignment_pick(lead=lead)
        lead.owner = owner or actor
        if rule is not None and lead.agency_id is None and rule.agency_id:
            lead.agency_id = rule.agency_id
    if lead.agency_id is None and lead.owner is not None:
        lead.agency_id = lead.owner.agency_id
    lead.save()
    _notify_owner(lead=lead, actor=actor)
    return lead


@transaction.atomic
def lead_update(*, actor, lead: Lead, request=None, **data) -> Lead:
    """Change a lead's details and qualification (fields not given stay as they are)."""
    _require(actor, "leads.edit")
    _same_company(actor, lead, data.get("agency"))
    _members(actor, data.get("owner"))
    if lead.is_converted:
        raise ValidationError(_("Cette piste a été convertie : modifiez plutôt le contact créé."))
    before = snapshot(lead, TRACKED)
    previous_owner = lead.owner_id
    lead_build(lead=lead, data=data)
    lead.save()
    history_record(obj=lead, before=before, actor=actor)
    if lead.owner_id != previous_owner:
        _notify_owner(lead=lead, actor=actor)
    return lead


# --- Pipeline ----------------------------------------------------------------------------------------

def allowed_transitions(lead: Lead) -> tuple[str, ...]:
    return TRANSITIONS.get(lead.status, ())


@transaction.atomic
def lead_transition(*, actor, lead: Lead, status: str, lost_reason: str = "", request=None) -> Lead:
    """Move a lead: nouveau → contacté → qualifié, any open one → perdu (with a reason), a lost
    one back to contacté. "converti" only through lead_convert."""
    _require(actor, "leads.edit")
    _same_company(actor, lead)
    _lock(lead)
    if status == LeadStatus.CONVERTED:
        raise ValidationError({"status": [_("Une piste ne devient « convertie » que par sa conversion.")]})
    if status not in LeadStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    if status not in allowed_transitions(lead):
        raise ValidationError({"status": [
            _("Une piste « %(current)s » ne peut pas passer à « %(target)s ».")
            % {"current": lead.get_status_display(), "target": LeadStatus(status).label}
        ]})
    if status == LeadStatus.LOST:
        if not lost_reason:
            raise ValidationError({"lost_reason": [_("Indiquez la raison de la perte.")]})
        if lost_reason not in LostReason.values:
            raise ValidationError({"lost_reason": [_("Raison de la perte inconnue.")]})
    before = snapshot(lead, ("status", "lost_reason"))
    lead.status = status
    lead.lost_reason = lost_reason if status == LeadStatus.LOST else ""
    lead.save(update_fields=["status", "lost_reason", "updated_at"])
    history_record(obj=lead, before=before, actor=actor)
    return lead


def lead_lose(*, actor, lead: Lead, lost_reason: str, request=None) -> Lead:
    return lead_transition(actor=actor, lead=lead, status=LeadStatus.LOST, lost_reason=lost_reason, request=request)


def lead_reopen(*, actor, lead: Lead, request=None) -> Lead:
    return lead_transition(actor=actor, lead=lead, status=LeadStatus.CONTACTED, request=request)


# --- Assignment ---------------------------------------------------------------------------------------

def _rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    if rule.mode == AssignmentMode.AGENCY:
        return bool(lead.agency_id) and rule.agency_id == lead.agency_id
    if rule.mode == AssignmentMode.WILAYA:
        return bool(lead.wilaya_id) and rule.wilaya_id == lead.wilaya_id
    return True


def _rule_candidates(rule: AssignmentRule) -> list:
    from assura.identity.choices import UserStatus

    users = get_user_model().objects.filter(organization_id=rule.organization_id, is_active=True,
                                            status=UserStatus.ACTIVE)
    chosen = list(users.filter(pk__in=rule.users.values("pk")).order_by("pk"))
    if not chosen and rule.mode != AssignmentMode.ROUND_ROBIN and rule.agency_id:
        chosen = list(users.filter(agency_id=rule.agency_id).order_by("pk"))
    return chosen


def assignment_pick(*, lead: Lead):
    """(rule, user) for a new lead: the first active matching rule with someone to give it to,
    whose turn advances under a row lock. (None, None) when no rule applies."""
    rules = AssignmentRule.objects.filter(organization_id=lead.organization_id, is_active=True).order_by(
        "priority", "id"
    )
    for rule in rules:
        if not _rule_matches(rule, lead):
            continue
        with transaction.atomic():
            locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
            candidates = _rule_candidates(locked)
            if not candidates:
                continue
            user = candidates[locked.position % len(candidates)]
            AssignmentRule.objects.filter(pk=rule.pk).update(position=F("position") + 1)
        return locked, user
    return None, None


@transaction.atomic
def assignment_rule_save(*, actor, rule: AssignmentRule | None = None, mode: str, agency=None, wilaya=None,
                         users=(), priority: int = 100, is_active: bool = True, request=None) -> AssignmentRule:
    """Create or change an assignment rule (administrators: action `leads.rules`)."""
    _require(actor, "leads.rules")
    users = list(users or ())
    _same_company(actor, rule, agency)
    _members(actor, *users)
    if rule is None:
        rule = AssignmentRule(organization_id=actor.organization_id)
    errors: dict[str, list[str]] = {}
    if mode == AssignmentMode.AGENCY and agency is None:
        errors["agency"] = [_("Choisissez l'agence dont les pistes sont attribuées par cette règle.")]
    if mode == AssignmentMode.WILAYA and wilaya is None:
        errors["wilaya"] = [_("Choisissez la wilaya dont les pistes sont attribuées par cette règle.")]
    if not users and (mode == AssignmentMode.ROUND_ROBIN or agency is None):
        errors["users"] = [_("Choisissez au moins un utilisateur qui recevra les pistes.")]
    rule.mode, rule.agency, rule.priority, rule.is_active = mode, agency, priority, is_active
    rule.wilaya = wilaya if mode == AssignmentMode.WILAYA else None
    try:
        rule.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    rule.save()
    rule.users.set(users)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, rule: AssignmentRule, request=None) -> None:
    _require(actor, "leads.rules")
    _same_company(actor, rule)
    rule.delete()


# --- Conversion ------------------------------------------------------------------------------------

ALREADY_CONVERTED = gettext_lazy("Cette piste a déjà été convertie.")
MANAGER_WORDS = ("gerant", "directeur", "directrice", "dirigeant", "president", "pdg", "dg", "ceo", "fondateur",
                 "fondatrice", "proprietaire", "patron", "administrateur")


@dataclass
class ConversionResult:
    lead: Lead
    contact: Any
    account: Any | None
    contact_created: bool
    account_created: bool
    extra: dict[str, Any] = field(default_factory=dict)  # what registered conversion steps produced


# Steps later modules add to every conversion, run last inside its transaction, each called as
# step(actor=…, result=ConversionResult, options=dict, request=…). The sales module registers the
# optional opportunity here (its AppConfig.ready) and reads its choices from `options`.
CONVERSION_STEPS: list[Callable[..., None]] = []


def conversion_step(func: Callable[..., None]) -> Callable[..., None]:
    """Decorator registering a conversion step (see CONVERSION_STEPS)."""
    if func not in CONVERSION_STEPS:
        CONVERSION_STEPS.append(func)
    return func


def split_full_name(full_name: str) -> tuple[str, str]:
    """(first_name, last_name) from "Yacine Belkacem" or "BELKACEM Yacine": words typed in
    capitals are the surname (the Algerian administrative habit); otherwise the last word."""
    words = full_name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    capitals = [w for w in words if len(w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(words):
        return " ".join(w for w in words if w not in capitals), " ".join(capitals)
    return " ".join(words[:-1]), words[-1]


def relation_kind_for(job_title: str) -> str:
    """'dirigeant' for a manager's title (gérant, directeur, PDG…), else 'employe'."""
    from assura.core.search import normalize
    from assura.customers.choices import RelationKind

    words = set(normalize(job_title).split())
    return RelationKind.MANAGER if words & set(MANAGER_WORDS) else RelationKind.EMPLOYEE


def _visible_or_error(actor, model, obj, name: str, message: str) -> None:
    if obj is None:
        return
    _same_company(actor, obj)
    if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise ValidationError({name: [message]})


def _link_contact_to_account(*, actor, contact, account, kind: str, request=None) -> None:
    from assura.customers import services as customer_services
    from assura.customers.models import Relationship

    if Relationship.objects.filter(organization_id=actor.organization_id, contact=contact, account=account).exists():
        return  # already linked (whatever the role): conversion adds nothing
    customer_services.relationship_create(actor=actor, contact=contact, account=account, kind=kind, request=request)


def _carry_history(*, lead: Lead, contact, account) -> int:
    """The lead's activities also belong to the new records from now on (they keep their lead),
    so the contact's and the account's timelines show what happened before the conversion.
    (A bulk re-link, not a per-activity edit: the activities app has no such service yet.)"""
    from assura.activities.models import Activity

    activities = Activity.objects.filter(organization_id=lead.organization_id, lead=lead)
    moved = activities.filter(contact__isnull=True).update(contact=contact)
    if account is not None:
        activities.filter(account__isnull=True).update(account=account)
    return moved


@transaction.atomic
def lead_convert(*, actor, lead: Lead, contact=None, account=None, create_account: bool = False,
                 relation_kind: str | None = None, options: dict | None = None, request=None) -> ConversionResult:
    """Turn a lead into a customer: link the chosen existing contact or create one from the
    lead; link the chosen account, or create one from the lead's company when asked, with a
    relationship contact ↔ account; the lead's activities move onto the new records; the
    lead is stamped "converti". All or nothing, and only once."""
    from assura.customers import services as customer_services
    from assura.customers.models import Account, Contact

    _require(actor, "leads.edit")
    _same_company(actor, lead)
    _lock(lead)
    if lead.converted_at is not None or lead.status == LeadStatus.CONVERTED:
        raise ValidationError(ALREADY_CONVERTED, code="already_converted")
    if lead.status == LeadStatus.LOST:
        raise ValidationError(_("Cette piste est perdue : rouvrez-la avant de la convertir."), code="lost")
    _visible_or_error(actor, Contact, contact, "contact", _("Ce contact n'existe pas ou ne vous est pas accessible."))
    _visible_or_error(actor, Account, account, "account", _("Ce compte n'existe pas ou ne vous est pas accessible."))
    if account is None and create_account and not lead.company:
        raise ValidationError({"create_account": [
            _("La piste n'indique pas de société : choisissez un compte existant ou ne créez pas de compte.")
        ]})
    owner = lead.owner or actor
    agency = lead.agency or owner.agency

    contact_created = contact is None
    if contact_created:
        first_name, last_name = split_full_name(lead.full_name)
        contact = customer_services.contact_create(
            actor=actor, request=request, last_name=last_name, first_name=first_name, phone=lead.phone,
            email=lead.email, wilaya=lead.wilaya, profession=lead.job_title, owner=owner, agency=agency,
            notes=lead.notes,
        )
    account_created = account is None and create_account
    if account_created:
        account = customer_services.account_create(
            actor=actor, request=request, name=lead.company, wilaya=lead.wilaya, owner=owner, agency=agency,
        )
    if account is not None:
        _link_contact_to_account(actor=actor, contact=contact, account=account,
                                 kind=relation_kind or relation_kind_for(lead.job_title), request=request)
    _carry_history(lead=lead, contact=contact, account=account)

    before = snapshot(lead, ("status", "converted_contact", "converted_account"))
    lead.status = LeadStatus.CONVERTED
    lead.lost_reason = ""
    lead.converted_contact, lead.converted_account = contact, account
    lead.converted_at, lead.converted_by = timezone.now(), actor
    lead.save()
    history_record(obj=lead, before=before, actor=actor)

    result = ConversionResult(lead=lead, contact=contact, account=account, contact_created=contact_created,
                              account_created=account_created)
    for step in CONVERSION_STEPS:
        step(actor=actor, result=result, options=options or {}, request=request)
    return result
