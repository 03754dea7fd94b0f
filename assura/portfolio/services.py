"""Writes of the portfolio: catalogue, quotes, policies (status, endorsements, renewal),
receivables (instalments, payments, dunning), claims (workflow, payments, documents).

Every function is keyword-only, checks the actor's action, treats another company's object
as missing (404), validates (ValidationError with French messages on the field) and writes
in one transaction. Money is Decimal; every total is the sum of its parts.
"""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.core.permissions import user_can
from assura.core.records import history_record, notify, sequence_next, snapshot
from assura.portfolio.choices import (
    CLAIM_DOCUMENTS,
    FREQUENCY_COUNT,
    ClaimStatus,
    InstalmentStatus,
    PolicyStatus,
    PremiumMode,
    QuoteStatus,
)
from assura.portfolio.models import (
    Branch,
    Claim,
    ClaimPayment,
    ClaimStatusChange,
    DunningRecord,
    Endorsement,
    Formula,
    Guarantee,
    Instalment,
    Payment,
    PaymentAllocation,
    Policy,
    PolicyStatusChange,
    PolicyVersion,
    PortfolioSettings,
    Product,
    Quote,
    RenewalTask,
)
from assura.portfolio.premium import (
    CENT,
    DEFAULT_SCHEMAS,
    ZERO,
    PremiumBreakdown,
    clean_insured_object,
    compute_premium,
    q2,
    validate_schema,
)

CATALOGUE = "catalogue.manage"
POLICIES = "policies.edit"
CLAIMS = "claims.edit"
PAYMENTS = "payments.record"
DEFAULT_DUNNING = [-15, 1, 15, 30]
DUNNING_CATCH_UP_DAYS = 7  # a step whose day passed more than this ago is not run late


def _require(actor, action: str) -> None:
    if not user_can(actor, action):
        raise PermissionDenied


def _same_company(actor, *objs) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "organization_id", None) != actor.organization_id:
            raise Http404


def _clean(obj, errors: dict | None = None, exclude=None) -> None:
    errors = dict(errors or {})
    try:
        obj.full_clean(exclude=[*(exclude or []), *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today() -> datetime.date:
    return timezone.localdate()


def _timeline_note(*, actor, record_holder, subject: str, body: str = "") -> None:
    """Policy, claim and payment events on the customer's timeline: a note logged through the
    activities service (the timeline offers no other hook)."""
    if actor is None or record_holder is None or not user_can(actor, "activities.edit"):
        return
    from assura.activities.services import activity_create

    field = "contact" if record_holder._meta.model_name == "contact" else "account"
    activity_create(actor=actor, kind="note", subject=subject[:200], body=body, channel="internal",
                    **{field: record_holder})


# --- Settings and catalogue -----------------------------------------------------------------------------

def settings_for(organization_id) -> PortfolioSettings:
    found = PortfolioSettings.objects.filter(organization_id=organization_id).first()
    if found is None:
        try:
            with transaction.atomic():
                found = PortfolioSettings.objects.create(organization_id=organization_id,
                                                         dunning_steps=list(DEFAULT_DUNNING))
        except IntegrityError:
            found = PortfolioSettings.objects.get(organization_id=organization_id)
    return found


def _parse_steps(value) -> list[int]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,;]+", value) if v]
    try:
        steps = sorted({int(v) for v in value or []})
    except (TypeError, ValueError):
        raise ValidationError({"dunning_steps": [_("Indiquez des nombres de jours, ex. -15, 1, 15, 30.")]}) from None
    if any(abs(s) > 365 for s in steps):
        raise ValidationError({"dunning_steps": [_("Chaque étape doit être à moins d'un an de l'échéance.")]})
    return steps


@transaction.atomic
def settings_save(*, actor, request=None, settings: PortfolioSettings | None = None, **data) -> PortfolioSettings:
    _require(actor, CATALOGUE)
    settings = settings or settings_for(actor.organization_id)
    _same_company(actor, settings)
    if "dunning_steps" in data:
        data["dunning_steps"] = _parse_steps(data["dunning_steps"])
    for key in ("tax_rate", "stamp_duty", "policy_cost", "renewal_lead_days", "dunning_steps"):
        if key in data:
            setattr(settings, key, data[key])
    _clean(settings)
    settings.save()
    return settings


NUMBER_TOKENS = re.compile(r"\{(code|annee|agence|seq)\}")


def _check_pattern(pattern: str) -> None:
    leftover = NUMBER_TOKENS.sub("", pattern)
    if "{" in leftover or "}" in leftover or "{seq}" not in pattern:
        raise ValidationError({"number_pattern": [
            _("Utilisez seulement {code}, {annee}, {agence} et {seq} ; {seq} est obligatoire.")]})


@transaction.atomic
def branch_save(*, actor, request=None, branch: Branch | None = None, **data) -> Branch:
    _require(actor, CATALOGUE)
    _same_company(actor, branch)
    branch = branch or Branch(organization_id=actor.organization_id)
    for key, value in data.items():
        setattr(branch, key, value.strip() if isinstance(value, str) else value)
    branch.code = (branch.code or "").upper()
    errors = {}
    try:
        _check_pattern(branch.number_pattern or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _clean(branch, errors)
    branch.save()
    return branch


@transaction.atomic
def product_save(*, actor, request=None, product: Product | None = None, **data) -> Product:
    _require(actor, CATALOGUE)
    _same_company(actor, product, data.get("branch"))
    creating = product is None
    product = product or Product(organization_id=actor.organization_id)
    for key, value in data.items():
        setattr(product, key, value.strip() if isinstance(value, str) else value)
    product.code = (product.code or "").upper()
    errors = {}
    if creating and not product.object_schema and product.object_kind in DEFAULT_SCHEMAS:
        product.object_schema = [dict(spec) for spec in DEFAULT_SCHEMAS[product.object_kind]]
    try:
        validate_schema(product.object_schema)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _clean(product, errors)
    product.save()
    return product


def _check_rule(guarantee: Guarantee, errors: dict, schema: list[dict]) -> None:
    if guarantee.premium_mode == PremiumMode.FIXED:
        if guarantee.premium_amount is None:
            errors.setdefault("premium_amount", []).append(_("Indiquez le montant de la prime fixe."))
        elif guarantee.premium_amount < 0:
            errors.setdefault("premium_amount", []).append(_("Une prime ne peut pas être négative."))
        guarantee.premium_rate, guarantee.rate_base = None, ""
    elif guarantee.premium_mode == PremiumMode.RATE:
        if guarantee.premium_rate is None:
            errors.setdefault("premium_rate", []).append(_("Indiquez le taux."))
        elif guarantee.premium_rate < 0:
            errors.setdefault("premium_rate", []).append(_("Un taux de prime ne peut pas être négatif."))
        decimals = [s["name"] for s in schema if s.get("type") in ("decimal", "int")]
        if guarantee.rate_base not in decimals:
            errors.setdefault("rate_base", []).append(
                _("Choisissez un champ numérique de l'objet assuré : %(fields)s.") % {"fields": ", ".join(decimals)})
        guarantee.premium_amount = None
    for name in ("limit", "deductible"):
        value = getattr(guarantee, name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("Le montant ne peut pas être négatif."))


@transaction.atomic
def guarantee_save(*, actor, request=None, guarantee: Guarantee | None = None, product: Product | None = None,
                   **data) -> Guarantee:
    _require(actor, CATALOGUE)
    _same_company(actor, guarantee, product)
    guarantee = guarantee or Guarantee(organization_id=actor.organization_id, product=product)
    for key, value in data.items():
        setattr(guarantee, key, value.strip() if isinstance(value, str) else value)
    guarantee.code = (guarantee.code or "").upper()
    errors: dict = {}
    _check_rule(guarantee, errors, guarantee.product.object_schema)
    if Guarantee.objects.filter(product=guarantee.product, code=guarantee.code).exclude(pk=guarantee.pk).exists():
        errors.setdefault("code", []).append(_("Ce code de garantie existe déjà pour ce produit."))
    _clean(guarantee, errors, exclude=["premium_amount", "premium_rate"])
    guarantee.save()
    return guarantee


@transaction.atomic
def formula_save(*, actor, request=None, formula: Formula | None = None, product: Product | None = None,
                 included=(), optional=(), **data) -> Formula:
    _require(actor, CATALOGUE)
    _same_company(actor, formula, product, *included, *optional)
    formula = formula or Formula(organization_id=actor.organization_id, product=product)
    for key, value in data.items():
        setattr(formula, key, value.strip() if isinstance(value, str) else value)
    formula.code = (formula.code or "").upper()
    errors: dict = {}
    included, optional = list(included), list(optional)
    if any(g.product_id != formula.product_id for g in (*included, *optional)):
        errors["included"] = [_("Les garanties doivent appartenir au produit de la formule.")]
    if set(included) & set(optional):
        errors["optional"] = [_("Une garantie ne peut pas être à la fois incluse et optionnelle.")]
    if not included:
        errors.setdefault("included", []).append(_("Une formule inclut au moins une garantie."))
    if Formula.objects.filter(product=formula.product, code=formula.code).exclude(pk=formula.pk).exists():
        errors.setdefault("code", []).append(_("Ce code de formule existe déjà pour ce produit."))
    _clean(formula, errors)
    formula.save()
    formula.included.set(included)
    formula.optional.set(optional)
    return formula


# --- Pricing (quotes and policies) --------------------------------------------------------------------------

def _selected_guarantees(formula: Formula, options) -> list[Guarantee]:
    """The formula's included guarantees plus the chosen options (which must be the formula's)."""
    included = list(formula.included.all())
    allowed = {g.pk: g for g in formula.optional.all()}
    chosen = []
    for option in options or ():
        if option.pk in {g.pk for g in included}:
            continue
        if option.pk not in allowed:
            raise ValidationError({"guarantees": [
                _("La garantie « %(name)s » n'est pas une option de la formule « %(formula)s ».")
                % {"name": option.name, "formula": formula.name}]})
        chosen.append(option)
    return sorted([*included, *chosen], key=lambda g: (g.position, g.pk))


def price(*, organization_id, product: Product, formula: Formula, options=(), insured_object=None
          ) -> tuple[list[Guarantee], dict, PremiumBreakdown]:
    """(guarantees, cleaned insured object, breakdown), or ValidationError on the field at fault."""
    if formula.product_id != product.pk:
        raise ValidationError({"formula": [_("Cette formule n'appartient pas au produit choisi.")]})
    if not product.is_active or not formula.is_active:
        raise ValidationError({"product": [_("Ce produit ou cette formule n'est plus commercialisé.")]})
    obj = clean_insured_object(product.object_schema, insured_object)
    guarantees = _selected_guarantees(formula, options)
    breakdown = compute_premium(guarantees=guarantees, insured_object=obj, settings=settings_for(organization_id))
    return guarantees, obj, breakdown


def _holder(data: dict) -> tuple:
    contact, account = data.get("contact"), data.get("account")
    if (contact is None) == (account is None):
        raise ValidationError({"contact": [_("Choisissez le souscripteur : une personne ou une société.")]})
    return contact, account


# --- Quotes ---------------------------------------------------------------------------------------------------

@transaction.atomic
def quote_create(*, actor, request=None, product, formula, contact=None, account=None, guarantees=(),
                 insured_object=None, payment_frequency="annuel", valid_until=None, owner=None,
                 agency=None) -> Quote:
    _require(actor, POLICIES)
    _same_company(actor, product, formula, contact, account, agency, owner, *guarantees)
    _holder({"contact": contact, "account": account})
    chosen, obj, breakdown = price(organization_id=actor.organization_id, product=product, formula=formula,
                                   options=guarantees, insured_object=insured_object)
    valid_until = valid_until or today() + datetime.timedelta(days=30)
    if valid_until < today():
        raise ValidationError({"valid_until": [_("La date de validité ne peut pas être passée.")]})
    holder = contact or account
    quote = Quote(
        organization_id=actor.organization_id, product=product, formula=formula, contact=contact, account=account,
        insured_object=obj, payment_frequency=payment_frequency, valid_until=valid_until,
        owner=owner or actor, agency=agency or holder.agency or actor.agency, created_by=actor,
        **breakdown.as_fields(),
    )
    quote.number = f"DEV-{today():%Y}-{sequence_next(organization_id=actor.organization_id, key='quote'):06d}"
    _clean(quote)
    quote.save()
    quote.guarantees.set(chosen)
    return quote


def _pending(quote: Quote) -> None:
    if quote.status != QuoteStatus.PENDING:
        message = _("Ce devis est déjà « %(status)s ».") % {"status": quote.get_status_display()}
        raise ValidationError({"status": [message]})


@transaction.atomic
def quote_accept(*, actor, quote: Quote, request=None, effective_date=None, channel="agence",
                 intermediary="") -> Policy:
    """Accept a pending, still valid quote: the policy is issued with the quote's terms."""
    _require(actor, POLICIES)
    _same_company(actor, quote)
    list(Quote.objects.select_for_update().filter(pk=quote.pk).values_list("pk"))
    quote.refresh_from_db()
    _pending(quote)
    if quote.valid_until < today():
        raise ValidationError({"valid_until": [_("Ce devis a expiré le %(date)s.") % {"date": quote.valid_until}]})
    policy = policy_create(
        actor=actor, product=quote.product, formula=quote.formula, contact=quote.contact, account=quote.account,
        guarantees=list(quote.guarantees.all()), insured_object=quote.insured_object,
        effective_date=effective_date or today(), payment_frequency=quote.payment_frequency, channel=channel,
        intermediary=intermediary, owner=quote.owner, agency=quote.agency,
    )
    quote.status, quote.policy = QuoteStatus.ACCEPTED, policy
    quote.save(update_fields=["status", "policy"])
    return policy


@transaction.atomic
def quote_refuse(*, actor, quote: Quote, reason: str = "", request=None) -> Quote:
    _require(actor, POLICIES)
    _same_company(actor, quote)
    _pending(quote)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du refus.")]})
    quote.status, quote.refusal_reason = QuoteStatus.REFUSED, reason[:255]
    quote.save(update_fields=["status", "refusal_reason"])
    return quote


# --- Policies ---------------------------------------------------------------------------------------------------

def policy_number(*, branch: Branch, effective_date, agency=None) -> str:
    seq = sequence_next(organization_id=branch.organization_id, key=f"policy:{branch.code}")
    values = {"code": branch.code, "annee": str(effective_date.year),
              "agence": agency.number if agency else "000", "seq": f"{seq:06d}"}
    return NUMBER_TOKENS.sub(lambda m: values[m.group(1)], branch.number_pattern)[:40]


def _version_data(policy: Policy, guarantees) -> dict:
    return {
        "formula": policy.formula.name, "formula_id": policy.formula_id,
        "guarantees": [{"id": g.pk, "code": g.code, "name": g.name} for g in guarantees],
        "insured_object": policy.insured_object,
        "premium": {k: str(getattr(policy, k)) for k in
                    ("net_premium", "policy_cost", "tax", "stamp_duty", "total_premium")},
        "premium_lines": policy.premium_lines, "payment_frequency": policy.payment_frequency,
    }


@transaction.atomic
def policy_create(*, actor, request=None, product, formula, contact=None, account=None, guarantees=(),
                  insured_object=None, effective_date, expiry_date=None, payment_frequency="annuel",
                  channel="agence", intermediary="", owner=None, agency=None, number: str = "",
                  previous_policy: Policy | None = None) -> Policy:
    """Issue a policy: number from the branch's pattern (or given, checked unique), premium from
    the catalogue, version 1, instalments, and a note on the holder's timeline."""
    _require(actor, POLICIES)
    _same_company(actor, product, formula, contact, account, agency, owner, *guarantees)
    errors: dict = {}
    try:
        _holder({"contact": contact, "account": account})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        chosen, obj, breakdown = price(organization_id=actor.organization_id, product=product, formula=formula,
                                       options=guarantees, insured_object=insured_object)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    if effective_date is None:
        raise ValidationError({"effective_date": [_("Indiquez la date d'effet.")]})
    expiry_date = expiry_date or add_months(effective_date, 12) - datetime.timedelta(days=1)
    if expiry_date <= effective_date:
        raise ValidationError({"expiry_date": [_("L'échéance doit suivre la date d'effet.")]})
    holder = contact or account
    policy = Policy(
        organization_id=actor.organization_id, product=product, formula=formula, contact=contact, account=account,
        insured_object=obj, effective_date=effective_date, expiry_date=expiry_date,
        payment_frequency=payment_frequency, channel=channel, intermediary=(intermediary or "").strip(),
        owner=owner or actor, agency=agency or holder.agency or actor.agency, status=PolicyStatus.IN_FORCE,
        status_date=effective_date, created_by=actor, previous_policy=previous_policy, **breakdown.as_fields(),
    )
    policy.number = (number or "").strip() or policy_number(branch=product.branch, effective_date=effective_date,
                                                            agency=policy.agency)
    _clean(policy)
    policy.save()
    policy.guarantees.set(chosen)
    PolicyStatusChange.objects.create(organization_id=policy.organization_id, policy=policy, from_status="",
                                      to_status=PolicyStatus.IN_FORCE, on=effective_date, actor=actor)
    PolicyVersion.objects.create(organization_id=policy.organization_id, policy=policy, version=1,
                                 effective_date=effective_date, data=_version_data(policy, chosen))
    instalments_generate(policy=policy)
    _timeline_note(actor=actor, record_holder=holder,
                   subject=_("Police %(number)s émise — %(product)s, %(formula)s")
                   % {"number": policy.number, "product": product.name, "formula": formula.name},
                   body=_("Prime totale : %(total)s DA, du %(start)s au %(end)s.")
                   % {"total": policy.total_premium, "start": effective_date, "end": expiry_date})
    return policy


# Where a policy may go by hand (renouvelée only through policy_renew).
POLICY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PolicyStatus.IN_FORCE: (PolicyStatus.SUSPENDED, PolicyStatus.CANCELLED, PolicyStatus.EXPIRED),
    PolicyStatus.SUSPENDED: (PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED, PolicyStatus.EXPIRED),
    PolicyStatus.CANCELLED: (),
    PolicyStatus.EXPIRED: (),
    PolicyStatus.RENEWED: (),
}
REASON_REQUIRED = {PolicyStatus.SUSPENDED, PolicyStatus.CANCELLED}


def policy_allowed_transitions(policy: Policy) -> tuple[str, ...]:
    return POLICY_TRANSITIONS.get(policy.status, ())


def _lock_policy(policy: Policy) -> None:
    list(Policy.objects.select_for_update().filter(pk=policy.pk).values_list("pk"))
    policy.refresh_from_db()


@transaction.atomic
def policy_transition(*, actor, policy: Policy, status: str, on=None, reason: str = "", request=None) -> Policy:
    _require(actor, POLICIES)
    _same_company(actor, policy)
    _lock_policy(policy)
    on = on or max(today(), policy.effective_date)
    reason = (reason or "").strip()
    if status not in PolicyStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    if status == PolicyStatus.RENEWED:
        raise ValidationError({"status": [_("Une police devient « renouvelée » par son renouvellement.")]})
    if status not in policy_allowed_transitions(policy):
        raise ValidationError({"status": [_("Une police « %(current)s » ne peut pas passer à « %(target)s ».")
                                          % {"current": policy.get_status_display(),
                                             "target": PolicyStatus(status).label}]})
    if status in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": [_("Indiquez le motif.")]})
    if on < policy.effective_date:
        raise ValidationError({"on": [_("La date ne peut pas précéder la date d'effet de la police (%(date)s).")
                                      % {"date": policy.effective_date}]})
    if policy.status_date and on < policy.status_date:
        raise ValidationError({"on": [_("La date ne peut pas précéder le dernier changement de statut (%(date)s).")
                                      % {"date": policy.status_date}]})
    before = snapshot(policy, ("status", "status_reason"))
    PolicyStatusChange.objects.create(organization_id=policy.organization_id, policy=policy,
                                      from_status=policy.status, to_status=status, on=on, reason=reason[:255],
                                      actor=actor)
    policy.status, policy.status_date, policy.status_reason = status, on, reason[:255]
    policy.save(update_fields=["status", "status_date", "status_reason", "updated_at"])
    history_record(obj=policy, before=before, actor=actor)
    _timeline_note(actor=actor, record_holder=policy.holder,
                   subject=_("Police %(number)s : %(status)s") % {"number": policy.number,
                                                                  "status": policy.get_status_display()},
                   body=reason)
    return policy


def policy_cancel(*, actor, policy: Policy, reason: str = "", on=None, request=None) -> Policy:
    return policy_transition(actor=actor, policy=policy, status=PolicyStatus.CANCELLED, reason=reason, on=on,
                             request=request)


@transaction.atomic
def policy_endorse(*, actor, policy: Policy, effective_date, description: str, formula=None, guarantees=None,
                   insured_object=None, request=None) -> Endorsement:
    """An avenant from `effective_date`: new terms (formula, options, insured object), premium
    recomputed; the annual difference, prorated to the remaining days of the term, becomes an
    extra instalment when positive. The previous terms stay readable as a version."""
    _require(actor, POLICIES)
    _same_company(actor, policy, formula, *(guarantees or ()))
    _lock_policy(policy)
    description = (description or "").strip()
    if policy.status != PolicyStatus.IN_FORCE:
        raise ValidationError({"effective_date": [_("Seule une police en vigueur peut recevoir un avenant.")]})
    if not description:
        raise ValidationError({"description": [_("Décrivez l'objet de l'avenant.")]})
    if effective_date is None or effective_date < policy.effective_date:
        raise ValidationError({"effective_date": [
            _("L'avenant ne peut pas prendre effet avant la police (%(date)s).") % {"date": policy.effective_date}]})
    if effective_date > policy.expiry_date:
        raise ValidationError({"effective_date": [_("L'avenant doit prendre effet avant l'échéance de la police.")]})
    last = policy.versions.order_by("-version").first()
    if last and effective_date < last.effective_date:
        raise ValidationError({"effective_date": [
            _("Un avenant prend déjà effet le %(date)s : la date doit être postérieure.")
            % {"date": last.effective_date}]})
    formula = formula or policy.formula
    if guarantees is None:
        guarantees = list(policy.guarantees.all())
    merged = {**policy.insured_object, **(insured_object or {})}
    chosen, obj, breakdown = price(organization_id=policy.organization_id, product=policy.product, formula=formula,
                                   options=guarantees, insured_object=merged)
    delta = breakdown.total_premium - policy.total_premium
    term_days = (policy.expiry_date - policy.effective_date).days + 1
    remaining = (policy.expiry_date - effective_date).days + 1
    prorated = q2(delta * remaining / term_days)
    number = (policy.endorsements.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    endorsement = Endorsement.objects.create(
        organization_id=policy.organization_id, policy=policy, number=number, effective_date=effective_date,
        description=description[:255], premium_delta=delta, prorated_delta=prorated, created_by=actor)
    policy.formula, policy.insured_object = formula, obj
    for key, value in breakdown.as_fields().items():
        setattr(policy, key, value)
    policy.save()
    policy.guarantees.set(chosen)
    PolicyVersion.objects.create(organization_id=policy.organization_id, policy=policy,
                                 version=(last.version if last else 0) + 1, effective_date=effective_date,
                                 endorsement=endorsement, data=_version_data(policy, chosen))
    if prorated > 0:
        seq = (policy.instalments.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
        Instalment.objects.create(**_instalment_links(policy), sequence=seq, due_date=effective_date,
                                  amount=prorated, label=_("Avenant n° %(n)s") % {"n": number})
    _timeline_note(actor=actor, record_holder=policy.holder,
                   subject=_("Avenant n° %(n)s à la police %(number)s") % {"n": number, "number": policy.number},
                   body=description)
    return endorsement


def policy_as_of(*, policy: Policy, day) -> PolicyVersion | None:
    """The policy's terms as they were on `day` (None before it took effect)."""
    return policy.versions.filter(effective_date__lte=day).order_by("-effective_date", "-version").first()


RENEWABLE = (PolicyStatus.IN_FORCE, PolicyStatus.EXPIRED)
RENEWAL_OPENS_DAYS = 90  # a term can be renewed from 90 days before its expiry


def policy_is_renewable(policy: Policy) -> bool:
    return (policy.status in RENEWABLE and not policy.non_renewal_reason
            and policy.expiry_date <= today() + datetime.timedelta(days=RENEWAL_OPENS_DAYS))


@transaction.atomic
def policy_renew(*, actor, policy: Policy, request=None, formula=None, guarantees=None) -> Policy:
    """The next term, linked to this one (same terms, premium recomputed with today's catalogue);
    this policy becomes « renouvelée »."""
    _require(actor, POLICIES)
    _same_company(actor, policy)
    _lock_policy(policy)
    if Policy.objects.filter(previous_policy=policy).exists():
        raise ValidationError({"status": [_("Cette police a déjà été renouvelée.")]})
    if policy.status not in RENEWABLE:
        raise ValidationError({"status": [_("Une police « %(status)s » ne se renouvelle pas.")
                                          % {"status": policy.get_status_display()}]})
    if policy.non_renewal_reason:
        raise ValidationError({"status": [_("Le non-renouvellement de cette police a été enregistré.")]})
    if not policy_is_renewable(policy):
        raise ValidationError({"status": [_("Le renouvellement s'ouvre %(days)s jours avant l'échéance.")
                                          % {"days": RENEWAL_OPENS_DAYS}]})
    start = policy.expiry_date + datetime.timedelta(days=1)
    new = policy_create(
        actor=actor, product=policy.product, formula=formula or policy.formula, contact=policy.contact,
        account=policy.account,
        guarantees=guarantees if guarantees is not None else list(policy.guarantees.all()),
        insured_object=policy.insured_object, effective_date=start,
        expiry_date=add_months(start, 12) - datetime.timedelta(days=1), payment_frequency=policy.payment_frequency,
        channel=policy.channel, intermediary=policy.intermediary, owner=policy.owner, agency=policy.agency,
        previous_policy=policy,
    )
    PolicyStatusChange.objects.create(organization_id=policy.organization_id, policy=policy,
                                      from_status=policy.status, to_status=PolicyStatus.RENEWED,
                                      on=today(), reason=new.number, actor=actor)
    policy.status, policy.status_date, policy.status_reason = PolicyStatus.RENEWED, today(), ""
    policy.save(update_fields=["status", "status_date", "status_reason", "updated_at"])
    return new


@transaction.atomic
def policy_refuse_renewal(*, actor, policy: Policy, reason: str = "", request=None) -> Policy:
    _require(actor, POLICIES)
    _same_company(actor, policy)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du non-renouvellement.")]})
    if policy.status not in RENEWABLE or Policy.objects.filter(previous_policy=policy).exists():
        raise ValidationError({"reason": [_("Cette police n'est pas à renouveler.")]})
    before = snapshot(policy, ("non_renewal_reason",))
    policy.non_renewal_reason = reason[:255]
    policy.save(update_fields=["non_renewal_reason", "updated_at"])
    history_record(obj=policy, before=before, actor=actor)
    return policy


@transaction.atomic
def policy_reassign(*, actor, policy: Policy, owner=None, agency=None, request=None) -> Policy:
    """Change the manager and/or agency of a policy; its instalments, payments and claims follow
    (they carry copies used for visibility and reports)."""
    _require(actor, POLICIES)
    _same_company(actor, policy, owner, agency)
    if owner is not None and owner.organization_id != actor.organization_id:
        raise Http404
    before = snapshot(policy, ("owner", "agency"))
    policy.owner = owner if owner is not None else policy.owner
    policy.agency = agency if agency is not None else policy.agency
    policy.save(update_fields=["owner", "agency", "updated_at"])
    links = {"owner_id": policy.owner_id, "agency_id": policy.agency_id}
    Instalment.objects.filter(policy=policy).update(**links)
    Payment.objects.filter(policy=policy).update(**links)
    Claim.objects.filter(policy=policy).update(**links)
    history_record(obj=policy, before=before, actor=actor)
    return policy


# --- Receivables ------------------------------------------------------------------------------------------------

def _instalment_links(policy: Policy) -> dict:
    return {"organization_id": policy.organization_id, "policy": policy, "contact_id": policy.contact_id,
            "account_id": policy.account_id, "owner_id": policy.owner_id, "agency_id": policy.agency_id}


def split_amount(total: Decimal, count: int) -> list[Decimal]:
    """`count` parts rounded down to the centime; the last takes the remainder (sum == total)."""
    base = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [base] * (count - 1) + [total - base * (count - 1)]


def instalments_generate(*, policy: Policy) -> list[Instalment]:
    count = FREQUENCY_COUNT[policy.payment_frequency]
    step = 12 // count
    rows = [
        Instalment(**_instalment_links(policy), sequence=n + 1, due_date=add_months(policy.effective_date, n * step),
                   amount=amount, is_settled=amount == 0)
        for n, amount in enumerate(split_amount(policy.total_premium, count))
    ]
    return Instalment.objects.bulk_create(rows)


def instalment_status(instalment: Instalment, *, on=None) -> str:
    on = on or today()
    if instalment.paid_amount >= instalment.amount:
        return InstalmentStatus.PAID
    if instalment.paid_amount > 0:
        return InstalmentStatus.PARTIAL
    if instalment.due_date >= on:
        return InstalmentStatus.UPCOMING
    if (on - instalment.due_date).days > 30:
        return InstalmentStatus.UNPAID
    return InstalmentStatus.DUE


def instalment_status_filter(status: str, *, on=None) -> Q:
    """The Q selecting instalments of a status on a day (the same rule as instalment_status)."""
    on = on or today()
    unpaid = Q(is_settled=False, paid_amount=0)
    return {
        InstalmentStatus.PAID: Q(is_settled=True),
        InstalmentStatus.PARTIAL: Q(is_settled=False, paid_amount__gt=0),
        InstalmentStatus.UPCOMING: unpaid & Q(due_date__gte=on),
        InstalmentStatus.DUE: unpaid & Q(due_date__lt=on, due_date__gte=on - datetime.timedelta(days=30)),
        InstalmentStatus.UNPAID: unpaid & Q(due_date__lt=on - datetime.timedelta(days=30)),
    }.get(status, Q())


@transaction.atomic
def payment_record(*, actor, policy: Policy, amount, method: str, paid_on=None, reference: str = "",
                   request=None) -> Payment:
    """Record an encaissement on a policy, allocated to its open instalments oldest first.
    More than the policy's outstanding balance is refused."""
    _require(actor, PAYMENTS)
    _same_company(actor, policy)
    _lock_policy(policy)
    paid_on = paid_on or today()
    amount = Decimal(amount) if amount is not None else None
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Le montant doit être positif.")]})
    if amount != q2(amount):
        raise ValidationError({"amount": [_("Le montant s'exprime au centime près.")]})
    if paid_on > today():
        raise ValidationError({"paid_on": [_("La date d'encaissement ne peut pas être future.")]})
    open_items = list(Instalment.objects.select_for_update().filter(policy=policy, is_settled=False)
                      .order_by("due_date", "sequence"))
    due = sum((i.outstanding for i in open_items), ZERO)
    if amount > due:
        raise ValidationError({"amount": [_("Le montant (%(amount)s DA) dépasse le montant dû (%(due)s DA).")
                                          % {"amount": amount, "due": due}]})
    payment = Payment(organization_id=policy.organization_id, policy=policy, contact_id=policy.contact_id,
                      account_id=policy.account_id, owner_id=policy.owner_id, agency_id=policy.agency_id,
                      amount=amount, method=method, paid_on=paid_on, reference=(reference or "").strip()[:60],
                      recorded_by=actor)
    _clean(payment)
    payment.save()
    left = amount
    allocations = []
    for item in open_items:
        if left <= 0:
            break
        part = min(left, item.outstanding)
        item.paid_amount += part
        item.is_settled = item.paid_amount >= item.amount
        item.save(update_fields=["paid_amount", "is_settled"])
        allocations.append(PaymentAllocation(organization_id=policy.organization_id, payment=payment,
                                             instalment=item, amount=part))
        left -= part
    PaymentAllocation.objects.bulk_create(allocations)
    _timeline_note(actor=actor, record_holder=policy.holder,
                   subject=_("Encaissement de %(amount)s DA — police %(number)s")
                   % {"amount": amount, "number": policy.number},
                   body=payment.get_method_display())
    return payment


AGEING_BUCKETS = (("b0_30", 0, 30), ("b31_60", 31, 60), ("b61_90", 61, 90), ("b90", 91, None))


def dunning_run(*, on=None, organization_id=None) -> int:
    """Execute each company's dunning plan for open instalments: each (instalment, step) once,
    even if the scheduler runs twice. A step notifies the policy's manager; the J+30 and later
    steps (mise en demeure) also create a task. Returns the steps executed."""
    from assura.activities.models import Activity
    from assura.core.search import normalize

    on = on or today()
    done = 0
    settings_qs = PortfolioSettings.objects.all()
    if organization_id:
        settings_qs = settings_qs.filter(organization_id=organization_id)
    for conf in settings_qs:
        for step in conf.dunning_steps or []:
            due_day = on - datetime.timedelta(days=step)  # instalments due that day reach the step today
            window = due_day - datetime.timedelta(days=DUNNING_CATCH_UP_DAYS)
            items = (Instalment.objects.filter(organization_id=conf.organization_id, is_settled=False,
                                               due_date__lte=due_day, due_date__gt=window)
                     .exclude(dunning__step=step).select_related("policy", "owner", "contact", "account"))
            for item in items.iterator(chunk_size=500):
                with transaction.atomic():
                    _record, created = DunningRecord.objects.get_or_create(
                        organization_id=conf.organization_id, instalment=item, step=step,
                        defaults={"executed_on": on})
                    if not created:
                        continue
                    done += 1
                    holder = item.contact or item.account
                    label = (_("Rappel : échéance à venir") if step < 0 else
                             _("Mise en demeure") if step >= 30 else _("Relance d'impayé"))
                    title = _("%(label)s — police %(number)s, %(amount)s DA au %(date)s") % {
                        "label": label, "number": item.policy.number, "amount": item.outstanding,
                        "date": item.due_date.strftime("%d/%m/%Y")}
                    if item.owner is not None:
                        notify(user=item.owner, kind="portfolio.dunning", title=title, body=str(holder or ""),
                               url=item.get_absolute_url(), about=holder, event_key=f"dunning:{item.pk}:{step}")
                    if step >= 30:
                        moment = timezone.now()
                        Activity.objects.create(
                            organization_id=item.organization_id, kind="task", subject=title[:200],
                            status="planned", assignee=item.owner, agency_id=item.agency_id,
                            contact_id=item.contact_id, account_id=item.account_id, due_at=moment,
                            occurred_at=moment, search_text=normalize(title), priority="high")
    return done


# --- Renewals -----------------------------------------------------------------------------------------------------

def renewals_schedule(*, on=None, organization_id=None) -> int:
    """Create a renewal task (assigned to the manager) for each policy in force reaching its
    company's lead time before expiry. Once per policy (RenewalTask is unique per policy)."""
    from assura.activities.models import Activity
    from assura.core.search import normalize

    on = on or today()
    created = 0
    settings_qs = PortfolioSettings.objects.all()
    if organization_id:
        settings_qs = settings_qs.filter(organization_id=organization_id)
    for conf in settings_qs:
        limit = on + datetime.timedelta(days=conf.renewal_lead_days)
        due = (Policy.objects.filter(organization_id=conf.organization_id, status=PolicyStatus.IN_FORCE,
                                     expiry_date__gte=on, expiry_date__lte=limit, non_renewal_reason="",
                                     renewal_task__isnull=True)
               .select_related("contact", "account", "owner"))
        for policy in due.iterator(chunk_size=500):
            with transaction.atomic():
                subject = _("Renouveler la police %(number)s (échéance le %(date)s)") % {
                    "number": policy.number, "date": policy.expiry_date.strftime("%d/%m/%Y")}
                due_at = timezone.make_aware(datetime.datetime.combine(
                    policy.expiry_date - datetime.timedelta(days=7), datetime.time(9)))
                activity = Activity.objects.create(
                    organization_id=policy.organization_id, kind="task", subject=subject[:200], status="planned",
                    assignee=policy.owner, agency_id=policy.agency_id, contact_id=policy.contact_id,
                    account_id=policy.account_id, due_at=due_at, occurred_at=due_at, search_text=normalize(subject))
                _task, made = RenewalTask.objects.get_or_create(organization_id=policy.organization_id, policy=policy,
                                                            defaults={"activity": activity})
                if not made:
                    activity.delete()
                    continue
                created += 1
                renewal_opportunity(policy)
                if policy.owner is not None:
                    notify(user=policy.owner, kind="portfolio.renewal", title=subject,
                           body=str(policy.holder or ""), url=policy.get_absolute_url(), about=policy.holder,
                           event_key=f"renewal:{policy.pk}:{policy.expiry_date.isoformat()}")
    return created


# Catalogue branch codes (catalogue_data.py) → the sales module's branches.
SALES_BRANCHES = {"AUT": "automobile", "DRM": "deux_roues", "MRH": "habitation", "CAT": "catnat", "IRD": "incendie",
                  "ENG": "industriels", "TRP": "transport", "RC": "rc", "AGR": "agricole", "VOY": "voyage",
                  "SAN": "sante", "PRV": "personnes"}


def renewal_opportunity(policy: Policy):
    """When the sales module is installed, a renewal opportunity for the policy's manager, in the
    pipeline beside the renewal task (once: called when the renewal task is created). None when the
    manager may not hold opportunities or the branch has no sales equivalent."""
    from django.apps import apps

    from assura.core.permissions import user_can

    owner = policy.owner
    if not apps.is_installed("assura.sales") or owner is None or not owner.is_active \
            or not user_can(owner, "opportunities.edit"):
        return None
    from assura.sales import services as sales
    from assura.sales.choices import Branch as SalesBranch
    from assura.sales.choices import OpportunityKind

    branch_code = policy.product.branch.code
    branch = SALES_BRANCHES.get(branch_code) or next(
        (value for value, label in SalesBranch.choices if str(label) == policy.product.branch.name), None)
    if branch is None:
        return None
    try:
        with transaction.atomic():
            return sales.opportunity_create(
                actor=owner, name=(_("Renouvellement %(number)s") % {"number": policy.number})[:150],
                contact=policy.contact, account=policy.account, kind=OpportunityKind.RENEWAL, agency=policy.agency,
                expected_close_date=policy.expiry_date, next_step=_("Proposer le renouvellement"),
                lines=[{"branch": branch, "produit": policy.product.name[:120], "premium": policy.total_premium}])
    except ValidationError:
        return None


# --- Claims -------------------------------------------------------------------------------------------------------

CLAIM_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ClaimStatus.DECLARED: (ClaimStatus.INVESTIGATING, ClaimStatus.REFUSED, ClaimStatus.CLOSED),
    ClaimStatus.INVESTIGATING: (ClaimStatus.EXPERTISE, ClaimStatus.OFFER_SENT, ClaimStatus.REFUSED,
                                ClaimStatus.CLOSED),
    ClaimStatus.EXPERTISE: (ClaimStatus.OFFER_SENT, ClaimStatus.REFUSED, ClaimStatus.CLOSED),
    ClaimStatus.OFFER_SENT: (ClaimStatus.SETTLED, ClaimStatus.INVESTIGATING, ClaimStatus.REFUSED,
                             ClaimStatus.CLOSED),
    ClaimStatus.SETTLED: (),
    ClaimStatus.REFUSED: (),
    ClaimStatus.CLOSED: (),
}
CLAIM_REASON_REQUIRED = {ClaimStatus.REFUSED, ClaimStatus.CLOSED}
CLAIM_FINAL = {ClaimStatus.SETTLED, ClaimStatus.REFUSED, ClaimStatus.CLOSED}
CLAIM_FIELDS = ("claim_type", "guarantee", "loss_date", "declared_on", "declaration_channel", "place",
                "circumstances", "third_parties", "estimated_amount", "reserve", "expert", "expert_appointed_on",
                "expert_report_on", "event")


def _cover_check(claim: Claim) -> None:
    """Flag (not refuse) a claim outside cover: policy not in force that day, or guarantee not subscribed."""
    policy, notes = claim.policy, []
    if claim.loss_date > policy.expiry_date:
        notes.append(_("sinistre après l'échéance de la police"))
    else:
        ended = policy.status_changes.filter(to_status__in=[PolicyStatus.CANCELLED, PolicyStatus.SUSPENDED],
                                             on__lte=claim.loss_date).order_by("-on", "-id").first()
        back = ended and policy.status_changes.filter(to_status=PolicyStatus.IN_FORCE, on__gt=ended.on,
                                                      on__lte=claim.loss_date).exists()
        if ended and not back:
            notes.append(_("police « %(status)s » à la date du sinistre") % {"status": ended.get_to_status_display()})
    if claim.guarantee_id and not policy.guarantees.filter(pk=claim.guarantee_id).exists():
        notes.append(_("garantie « %(name)s » non souscrite") % {"name": claim.guarantee.name})
    claim.out_of_cover = bool(notes)
    claim.cover_note = "; ".join(str(n) for n in notes)[:255]


def _validate_claim(claim: Claim, errors: dict) -> None:
    policy = claim.policy
    if claim.loss_date and claim.loss_date < policy.effective_date:
        errors.setdefault("loss_date", []).append(
            _("La date du sinistre précède la prise d'effet de la police (%(date)s).")
            % {"date": policy.effective_date})
    if claim.loss_date and claim.loss_date > today():
        errors.setdefault("loss_date", []).append(_("La date du sinistre ne peut pas être future."))
    if claim.declared_on and claim.loss_date and claim.declared_on < claim.loss_date:
        errors.setdefault("declared_on", []).append(_("La déclaration ne peut pas précéder le sinistre."))
    if claim.declared_on and claim.declared_on > today():
        errors.setdefault("declared_on", []).append(_("La date de déclaration ne peut pas être future."))
    if claim.guarantee_id and claim.guarantee.product_id != policy.product_id:
        errors.setdefault("guarantee", []).append(_("Cette garantie n'appartient pas au produit de la police."))
    if claim.expert_report_on and claim.expert_appointed_on and claim.expert_report_on < claim.expert_appointed_on:
        errors.setdefault("expert_report_on", []).append(_("Le rapport ne peut pas précéder la désignation."))


@transaction.atomic
def claim_declare(*, actor, policy: Policy, request=None, **data) -> Claim:
    _require(actor, CLAIMS)
    _same_company(actor, policy, data.get("guarantee"))
    unknown = set(data) - set(CLAIM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown claim fields: {sorted(unknown)}")
    data.setdefault("declared_on", today())
    claim = Claim(organization_id=actor.organization_id, policy=policy, contact_id=policy.contact_id,
                  account_id=policy.account_id, owner_id=policy.owner_id or actor.pk,
                  agency_id=policy.agency_id, created_by=actor, status=ClaimStatus.DECLARED)
    for key, value in data.items():
        setattr(claim, key, value.strip() if isinstance(value, str) else value)
    if claim.reserve in (None, ZERO) and claim.estimated_amount:
        claim.reserve = claim.estimated_amount
    claim.documents = dict.fromkeys(CLAIM_DOCUMENTS.get(claim.claim_type, []), False)
    claim.number = f"SIN-{today():%Y}-{sequence_next(organization_id=actor.organization_id, key='claim'):06d}"
    errors: dict = {}
    if claim.loss_date and claim.declared_on:
        _validate_claim(claim, errors)
    _clean(claim, errors)
    _cover_check(claim)
    claim.save()
    ClaimStatusChange.objects.create(organization_id=claim.organization_id, claim=claim, from_status="",
                                     to_status=ClaimStatus.DECLARED, actor=actor)
    _timeline_note(actor=actor, record_holder=policy.holder,
                   subject=_("Sinistre %(number)s déclaré — police %(policy)s")
                   % {"number": claim.number, "policy": policy.number},
                   body=claim.get_claim_type_display())
    return claim


@transaction.atomic
def claim_update(*, actor, claim: Claim, request=None, **data) -> Claim:
    _require(actor, CLAIMS)
    _same_company(actor, claim, data.get("guarantee"))
    if claim.status in CLAIM_FINAL:
        raise ValidationError(_("Ce sinistre est clos."))
    before = snapshot(claim, ("reserve", "estimated_amount", "expert", "guarantee"))
    for key, value in data.items():
        if key not in CLAIM_FIELDS:
            raise TypeError(key)
        setattr(claim, key, value.strip() if isinstance(value, str) else value)
    errors: dict = {}
    _validate_claim(claim, errors)
    if claim.reserve is not None and claim.reserve < claim.paid_amount:
        errors.setdefault("reserve", []).append(_("La provision ne peut pas être inférieure au montant déjà réglé."))
    _clean(claim, errors)
    _cover_check(claim)
    claim.save()
    history_record(obj=claim, before=before, actor=actor)
    return claim


def claim_allowed_transitions(claim: Claim) -> tuple[str, ...]:
    return CLAIM_TRANSITIONS.get(claim.status, ())


@transaction.atomic
def claim_transition(*, actor, claim: Claim, status: str, reason: str = "", request=None) -> Claim:
    _require(actor, CLAIMS)
    _same_company(actor, claim)
    list(Claim.objects.select_for_update().filter(pk=claim.pk).values_list("pk"))
    claim.refresh_from_db()
    reason = (reason or "").strip()
    if status not in ClaimStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    if status not in claim_allowed_transitions(claim):
        raise ValidationError({"status": [_("Un sinistre « %(current)s » ne peut pas passer à « %(target)s ».")
                                          % {"current": claim.get_status_display(),
                                             "target": ClaimStatus(status).label}]})
    if status in CLAIM_REASON_REQUIRED and not reason:
        raise ValidationError({"reason": [_("Indiquez le motif.")]})
    if status == ClaimStatus.EXPERTISE and not claim.expert:
        raise ValidationError({"expert": [_("Désignez l'expert avant de passer en expertise.")]})
    if status == ClaimStatus.SETTLED and claim.paid_amount <= 0:
        raise ValidationError({"status": [_("Enregistrez au moins un règlement avant de classer le sinistre réglé.")]})
    now = timezone.now()
    change = ClaimStatusChange.objects.create(organization_id=claim.organization_id, claim=claim,
                                              from_status=claim.status, to_status=status, at=now,
                                              reason=reason[:255], actor=actor)
    old = claim.get_status_display()
    claim.status, claim.status_changed_at = status, now
    claim.closed_at = now if status in CLAIM_FINAL else None
    claim.save(update_fields=["status", "status_changed_at", "closed_at"])
    if claim.owner_id and claim.owner_id != actor.pk:
        notify(user=claim.owner, kind="portfolio.claim_status",
               title=_("Sinistre %(number)s : %(old)s → %(new)s") % {"number": claim.number, "old": old,
                                                                    "new": claim.get_status_display()},
               body=reason, url=claim.get_absolute_url(), about=claim.contact or claim.account,
               event_key=f"claim:{claim.pk}:{status}:{change.pk}")  # a status may come back (offer → instruction)
    _timeline_note(actor=actor, record_holder=claim.contact or claim.account,
                   subject=_("Sinistre %(number)s : %(status)s") % {"number": claim.number,
                                                                   "status": claim.get_status_display()},
                   body=reason)
    return claim


@transaction.atomic
def claim_payment_record(*, actor, claim: Claim, amount, paid_on=None, beneficiary: str = "",
                         is_final: bool = False, request=None) -> ClaimPayment:
    """A partial or final indemnity payment, within the reserve; a final one on an offer settles the claim."""
    _require(actor, CLAIMS)
    _same_company(actor, claim)
    list(Claim.objects.select_for_update().filter(pk=claim.pk).values_list("pk"))
    claim.refresh_from_db()
    amount = Decimal(amount) if amount is not None else None
    paid_on = paid_on or today()
    if claim.status in CLAIM_FINAL:
        raise ValidationError({"amount": [_("Ce sinistre est clos.")]})
    if claim.status == ClaimStatus.DECLARED:
        raise ValidationError({"amount": [_("Instruisez le sinistre avant de le régler.")]})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Le montant doit être positif.")]})
    if amount > claim.outstanding_reserve:
        raise ValidationError({"amount": [_("Le montant dépasse la provision restante (%(left)s DA).")
                                          % {"left": claim.outstanding_reserve}]})
    if paid_on < claim.declared_on or paid_on > today():
        raise ValidationError({"paid_on": [_("Date de règlement invalide.")]})
    payment = ClaimPayment(organization_id=claim.organization_id, claim=claim, amount=q2(amount), paid_on=paid_on,
                           beneficiary=(beneficiary or "").strip()[:150], is_final=is_final, actor=actor)
    _clean(payment)
    payment.save()
    claim.paid_amount = claim.payments.aggregate(total=Sum("amount"))["total"] or ZERO
    claim.save(update_fields=["paid_amount"])
    if is_final and claim.status == ClaimStatus.OFFER_SENT:
        claim_transition(actor=actor, claim=claim, status=ClaimStatus.SETTLED, reason=_("Règlement définitif"))
    return payment


@transaction.atomic
def claim_documents_update(*, actor, claim: Claim, received=(), request=None) -> Claim:
    _require(actor, CLAIMS)
    _same_company(actor, claim)
    expected = CLAIM_DOCUMENTS.get(claim.claim_type, [])
    unknown = set(received) - set(expected)
    if unknown:
        raise ValidationError({"received": [_("Pièce inconnue pour ce type de sinistre.")]})
    claim.documents = {code: code in set(received) for code in expected}
    claim.save(update_fields=["documents"])
    return claim


def claim_durations(claim: Claim, changes=None) -> list[tuple[str, float]]:
    """(status label, days spent) in order; the current status counts until now (or closing)."""
    changes = list(changes if changes is not None else claim.status_changes.all())
    result = []
    for n, change in enumerate(changes):
        end = changes[n + 1].at if n + 1 < len(changes) else (claim.closed_at or timezone.now())
        if change.to_status in CLAIM_FINAL and n + 1 == len(changes):
            continue
        result.append((change.get_to_status_display(), round((end - change.at).total_seconds() / 86400, 1)))
    return result

