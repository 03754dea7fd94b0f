"""Writes of the sales app: pipeline stages, opportunities (lines, moves, stage history),
sales targets and dashboard widgets.

Every function is keyword-only, checks the permission matrix, runs in a transaction,
validates (French messages on the field) and records field history. Nothing changes when
a ValidationError or PermissionDenied is raised.

Closed opportunities (stage won or lost) do not move: `opportunity_reopen` first puts them back
in an open stage. A move to a lost stage needs a loss reason.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.core.permissions import user_can
from assura.core.records import history_record, notify, snapshot
from assura.sales.choices import (
    DEFAULT_STAGES,
    Branch,
    LossReason,
    OpportunityKind,
    OpportunityStatus,
    TargetPeriod,
)
from assura.sales.models import (
    DashboardWidget,
    Opportunity,
    OpportunityLine,
    PipelineStage,
    SalesTarget,
    StageHistory,
)

OPPORTUNITY_FIELDS = (
    "name", "account", "contact", "probability", "expected_close_date", "source", "owner", "agency", "competitor",
    "next_step", "next_step_date", "kind",
)
TRACKED = (*OPPORTUNITY_FIELDS, "stage", "amount", "loss_reason")


def _require(actor, action: str) -> None:
    if not user_can(actor, action):
        raise PermissionDenied


def _same_company(actor, *objs) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "organization_id", None) != actor.organization_id:
            raise Http404


def _merge(errors: dict, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        errors.setdefault(name, []).extend(messages)


# --- Stages --------------------------------------------------------------------------------------------

def stages_ensure(*, organization_id) -> list[PipelineStage]:
    """The company's stages, creating the 7 default ones the first time (lazily, for a new company)."""
    stages = list(PipelineStage.objects.filter(organization_id=organization_id))
    if stages:
        return stages
    with transaction.atomic():
        for order, (name, probability, is_won, is_lost) in enumerate(DEFAULT_STAGES, start=1):
            PipelineStage.objects.get_or_create(
                organization_id=organization_id, name=str(name),
                defaults={"order": order * 10, "probability": probability, "is_won": is_won, "is_lost": is_lost},
            )
    return list(PipelineStage.objects.filter(organization_id=organization_id))


def first_open_stage(*, organization_id) -> PipelineStage:
    stages_ensure(organization_id=organization_id)
    return PipelineStage.objects.filter(organization_id=organization_id, is_active=True, is_won=False,
                                        is_lost=False).order_by("order", "id").first()


@transaction.atomic
def stage_save(*, actor, stage: PipelineStage | None = None, name: str, order: int, probability: int,
               is_won: bool = False, is_lost: bool = False, is_active: bool = True, request=None) -> PipelineStage:
    """Create or change a stage (action `pipeline.manage`). A stage cannot be both won and lost;
    the open opportunities' status follows a change of its kind."""
    _require(actor, "pipeline.manage")
    _same_company(actor, stage)
    errors: dict[str, list[str]] = {}
    if is_won and is_lost:
        errors["is_lost"] = [_("Une étape ne peut pas être à la fois gagnée et perdue.")]
    if stage is None:
        stage = PipelineStage(organization_id=actor.organization_id)
    before_status = stage.status if stage.pk else None
    stage.name, stage.order, stage.probability = " ".join((name or "").split()), order, probability
    stage.is_won, stage.is_lost, stage.is_active = is_won, is_lost, is_active
    try:
        stage.full_clean(exclude=list(errors))
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    stage.save()
    if before_status is not None and before_status != stage.status:
        Opportunity.objects.filter(organization_id=stage.organization_id, stage=stage).update(status=stage.status)
    return stage


# --- Opportunities -------------------------------------------------------------------------------------

def _parse_lines(lines) -> tuple[list[OpportunityLine], dict]:
    built, errors = [], {}
    for position, line in enumerate(lines or ()):
        branch = (line.get("branch") or "").strip()
        produit = " ".join((line.get("produit") or "").split()) or None
        premium = line.get("premium")
        if not branch and not produit and premium in (None, ""):
            continue  # an empty row of the form
        try:
            premium = Decimal(str(premium)) if premium not in (None, "") else None
        except (InvalidOperation, ValueError):
            premium = None
            errors.setdefault("lines", []).append(_("Ligne %(n)s : montant invalide.") % {"n": position + 1})
            continue
        if premium is None:
            errors.setdefault("lines", []).append(_("Ligne %(n)s : indiquez la prime estimée.") % {"n": position + 1})
        elif premium < 0:
            errors.setdefault("lines", []).append(
                _("Ligne %(n)s : un montant ne peut pas être négatif.") % {"n": position + 1})
        elif premium != premium.quantize(Decimal("0.01")) or premium >= Decimal("1e12"):
            errors.setdefault("lines", []).append(_("Ligne %(n)s : montant invalide.") % {"n": position + 1})
        if branch not in Branch.values:
            errors.setdefault("lines", []).append(_("Ligne %(n)s : choisissez une branche.") % {"n": position + 1})
        built.append(OpportunityLine(branch=branch, produit=produit, premium=premium or Decimal("0"),
                                     position=position))
    return built, errors


def _check_relations(actor, opportunity: Opportunity, errors: dict) -> None:
    from assura.customers.models import Account, Contact

    for name, model in (("account", Account), ("contact", Contact)):
        obj = getattr(opportunity, name)
        if obj is not None:
            _same_company(actor, obj)
            if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
                errors.setdefault(name, []).append(_("Cet enregistrement n'existe pas ou ne vous est pas accessible."))
    if opportunity.account_id is None and opportunity.contact_id is None:
        errors.setdefault("account", []).append(_("Choisissez un compte ou un contact."))
    if opportunity.owner is not None and opportunity.owner.organization_id != actor.organization_id:
        raise Http404
    _same_company(actor, opportunity.agency)


def _validate(actor, opportunity: Opportunity, errors: dict) -> None:
    _check_relations(actor, opportunity, errors)
    if opportunity.kind not in OpportunityKind.values:
        errors.setdefault("kind", []).append(_("Type d'affaire inconnu."))
    probability = opportunity.probability
    if not isinstance(probability, int) or isinstance(probability, bool) or not 0 <= probability <= 100:
        errors.setdefault("probability", []).append(_("La probabilité va de 0 à 100 %."))
    try:
        opportunity.full_clean(exclude=[*errors, "stage_changed_at", "last_activity_at"])
    except ValidationError as exc:
        _merge(errors, exc)


def _apply(opportunity: Opportunity, data: dict) -> None:
    unknown = set(data) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown opportunity fields: {sorted(unknown)}")
    for key in ("name", "competitor", "next_step", "source"):
        if isinstance(data.get(key), str):
            data[key] = " ".join(data[key].split())
    for key, value in data.items():
        setattr(opportunity, key, value)


def _save_lines(opportunity: Opportunity, lines: list[OpportunityLine]) -> None:
    OpportunityLine.objects.filter(opportunity=opportunity).delete()
    for line in lines:
        line.organization_id, line.opportunity = opportunity.organization_id, opportunity
    OpportunityLine.objects.bulk_create(lines)
    opportunity.amount = sum((line.premium for line in lines), Decimal("0.00"))


def _enter_stage(*, opportunity: Opportunity, stage: PipelineStage, actor, now) -> None:
    StageHistory.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    StageHistory.objects.create(organization_id=opportunity.organization_id, opportunity=opportunity, stage=stage,
                                entered_at=now, actor=actor)


def _resolve_stage(actor, stage) -> PipelineStage:
    if stage is None:
        return first_open_stage(organization_id=actor.organization_id)
    if not isinstance(stage, PipelineStage):
        stage = PipelineStage.objects.filter(organization_id=actor.organization_id, pk=stage).first()
        if stage is None:
            raise ValidationError({"stage": [_("Étape inconnue.")]})
    _same_company(actor, stage)
    return stage


@transaction.atomic
def opportunity_create(*, actor, stage=None, lines=(), loss_reason: str = "", lead=None, request=None,
                       **data) -> Opportunity:
    """Create an opportunity in `stage` (default: the first open one) with its product lines;
    the amount is their sum, the probability the stage's unless given. An open opportunity
    cannot be created with a close date already past."""
    _require(actor, "opportunities.edit")
    stages_ensure(organization_id=actor.organization_id)
    stage = _resolve_stage(actor, stage)
    _same_company(actor, lead)
    data = dict(data)
    if data.get("probability") is None:
        data["probability"] = stage.probability
    opportunity = Opportunity(organization_id=actor.organization_id, stage=stage, status=stage.status, lead=lead)
    _apply(opportunity, data)
    if opportunity.owner is None:
        opportunity.owner = actor
    if opportunity.agency is None and opportunity.owner is not None:
        opportunity.agency_id = opportunity.owner.agency_id
    built, errors = _parse_lines(lines)
    _validate(actor, opportunity, errors)
    today = timezone.localdate()
    if stage.status == OpportunityStatus.OPEN and opportunity.expected_close_date and \
            opportunity.expected_close_date < today:
        errors.setdefault("expected_close_date", []).append(
            _("La date de clôture prévue d'une opportunité en cours ne peut pas être passée."))
    if stage.is_lost:
        if loss_reason not in LossReason.values:
            errors.setdefault("loss_reason", []).append(_("Indiquez la raison de la perte."))
        opportunity.loss_reason = loss_reason
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    opportunity.stage_changed_at = opportunity.last_activity_at = now
    if stage.status != OpportunityStatus.OPEN:
        opportunity.closed_on = today
    opportunity.save()
    _save_lines(opportunity, built)
    opportunity.save(update_fields=["amount"])
    _enter_stage(opportunity=opportunity, stage=stage, actor=actor, now=now)
    if opportunity.owner_id and opportunity.owner_id != actor.pk:
        notify(user=opportunity.owner, kind="opportunity.assigned",
               title=_("Nouvelle opportunité attribuée : %(name)s") % {"name": opportunity.name},
               url=opportunity.get_absolute_url())
    return opportunity


@transaction.atomic
def opportunity_update(*, actor, opportunity: Opportunity, lines=None, request=None, **data) -> Opportunity:
    """Change an opportunity's details (fields not given stay); `lines` given replaces the lines."""
    _require(actor, "opportunities.edit")
    _same_company(actor, opportunity)
    _lock(opportunity)
    before = snapshot(opportunity, TRACKED)
    _apply(opportunity, dict(data))
    built, errors = _parse_lines(lines) if lines is not None else ([], {})
    _validate(actor, opportunity, errors)
    if errors:
        raise ValidationError(errors)
    opportunity.last_activity_at = timezone.now()
    opportunity.save()
    if lines is not None:
        _save_lines(opportunity, built)
        opportunity.save(update_fields=["amount"])
    history_record(obj=opportunity, before=before, actor=actor)
    return opportunity


def _lock(opportunity: Opportunity) -> None:
    list(Opportunity.objects.select_for_update().filter(pk=opportunity.pk).values_list("pk"))
    opportunity.refresh_from_db()


@transaction.atomic
def opportunity_move(*, actor, opportunity: Opportunity, stage, loss_reason: str = "", probability=None,
                     request=None) -> Opportunity:
    """Move an open opportunity to another stage: its probability becomes the stage's (unless
    given), the stay in the previous stage is closed in the history. Won/lost stages close it
    (lost needs a reason). A closed opportunity is refused: reopen it first."""
    _require(actor, "opportunities.edit")
    _same_company(actor, opportunity)
    _lock(opportunity)
    stage = _resolve_stage(actor, stage)
    if opportunity.status != OpportunityStatus.OPEN:
        message = (_("Cette opportunité est perdue : rouvrez-la avant de la déplacer.")
                   if opportunity.status == OpportunityStatus.LOST
                   else _("Cette opportunité est gagnée : rouvrez-la avant de la déplacer."))
        raise ValidationError({"stage": [message]}, code="closed")
    if not stage.is_active:
        raise ValidationError({"stage": [_("Cette étape n'est plus utilisée.")]})
    if stage.pk == opportunity.stage_id:
        return opportunity
    if stage.is_lost and loss_reason not in LossReason.values:
        raise ValidationError({"loss_reason": [_("Indiquez la raison de la perte.")]})
    if probability is not None and (isinstance(probability, bool) or not isinstance(probability, int)
                                    or not 0 <= probability <= 100):
        raise ValidationError({"probability": [_("La probabilité va de 0 à 100 %.")]})
    before = snapshot(opportunity, ("stage", "probability", "loss_reason"))
    now = timezone.now()
    opportunity.stage, opportunity.status = stage, stage.status
    opportunity.probability = stage.probability if probability is None else probability
    opportunity.loss_reason = loss_reason if stage.is_lost else ""
    opportunity.closed_on = timezone.localdate() if stage.status != OpportunityStatus.OPEN else None
    opportunity.stage_changed_at = opportunity.last_activity_at = now
    opportunity.save()
    _enter_stage(opportunity=opportunity, stage=stage, actor=actor, now=now)
    history_record(obj=opportunity, before=before, actor=actor)
    return opportunity


@transaction.atomic
def opportunity_reopen(*, actor, opportunity: Opportunity, stage=None, request=None) -> Opportunity:
    """Put a won or lost opportunity back into an open stage (default: the last open one it was in)."""
    _require(actor, "opportunities.edit")
    _same_company(actor, opportunity)
    _lock(opportunity)
    if opportunity.status == OpportunityStatus.OPEN:
        raise ValidationError({"stage": [_("Cette opportunité est déjà en cours.")]})
    if stage is None:
        last = (StageHistory.objects.filter(opportunity=opportunity, stage__is_won=False, stage__is_lost=False,
                                            stage__is_active=True)
                .select_related("stage").order_by("-entered_at", "-id").first())
        stage = last.stage if last else first_open_stage(organization_id=opportunity.organization_id)
    stage = _resolve_stage(actor, stage)
    if stage.status != OpportunityStatus.OPEN:
        raise ValidationError({"stage": [_("Choisissez une étape en cours pour rouvrir l'opportunité.")]})
    before = snapshot(opportunity, ("stage", "probability", "loss_reason"))
    now = timezone.now()
    opportunity.stage, opportunity.status, opportunity.probability = stage, stage.status, stage.probability
    opportunity.loss_reason, opportunity.closed_on = "", None
    opportunity.stage_changed_at = opportunity.last_activity_at = now
    opportunity.save()
    _enter_stage(opportunity=opportunity, stage=stage, actor=actor, now=now)
    history_record(obj=opportunity, before=before, actor=actor)
    return opportunity


def stage_durations(opportunity: Opportunity, *, now=None) -> list[dict]:
    """Time spent per stage (a stage visited twice adds up), in the order first entered."""
    now = now or timezone.now()
    totals: dict[int, dict] = {}
    for stay in opportunity.stage_history.all():
        entry = totals.setdefault(stay.stage_id, {"stage": stay.stage, "duration": timedelta(0), "visits": 0})
        entry["duration"] += stay.duration(now)
        entry["visits"] += 1
    return list(totals.values())


# --- Targets ---------------------------------------------------------------------------------------------

def period_bounds(period: str, start: date) -> tuple[date, date]:
    """A target's period: the month, quarter or year that contains `start`, as (first day, last day)."""
    if period == TargetPeriod.MONTH:
        first = start.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if period == TargetPeriod.QUARTER:
        month = 3 * ((start.month - 1) // 3) + 1
        first = date(start.year, month, 1)
        last_month = month + 2
        return first, date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    return date(start.year, 1, 1), date(start.year, 12, 31)


@transaction.atomic
def target_save(*, actor, target: SalesTarget | None = None, user=None, agency=None, period: str, start: date,
                premium_target, count_target: int = 0, request=None) -> SalesTarget:
    """Set a premium and count target for a user or an agency (one of them) over a month, quarter or
    year. A target overlapping another of the same user/agency is refused."""
    _require(actor, "targets.manage")
    _same_company(actor, target, agency)
    if user is not None and user.organization_id != actor.organization_id:
        raise Http404
    errors: dict[str, list[str]] = {}
    if (user is None) == (agency is None):
        errors["user"] = [_("Choisissez un commercial ou une agence (l'un des deux).")]
    if period not in TargetPeriod.values:
        errors["period"] = [_("Période inconnue.")]
    if start is None:
        errors["start"] = [_("Indiquez le début de la période.")]
    if target is None:
        target = SalesTarget(organization_id=actor.organization_id)
    target.user, target.agency, target.period = user, agency, period
    target.premium_target, target.count_target = premium_target, count_target
    if not errors:
        target.start, target.end = period_bounds(period, start)
        same = Q(user=user) if user is not None else Q(agency=agency)
        overlap = (SalesTarget.objects.filter(same, organization_id=actor.organization_id,
                                              start__lte=target.end, end__gte=target.start)
                   .exclude(pk=target.pk).first())
        if overlap is not None:
            errors["start"] = [_("Cette période chevauche un objectif existant (%(start)s – %(end)s).") % {
                "start": overlap.start.strftime("%d/%m/%Y"), "end": overlap.end.strftime("%d/%m/%Y")}]
    if isinstance(premium_target, Decimal) and premium_target < 0:
        errors.setdefault("premium_target", []).append(_("Un montant ne peut pas être négatif."))
    if isinstance(count_target, int) and count_target < 0:
        errors.setdefault("count_target", []).append(_("Un nombre ne peut pas être négatif."))
    try:
        target.full_clean(exclude=[*errors, "start", "end"] if errors else None)
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    target.save()
    return target


@transaction.atomic
def target_delete(*, actor, target: SalesTarget, request=None) -> None:
    _require(actor, "targets.manage")
    _same_company(actor, target)
    target.delete()


# --- Dashboard widgets ------------------------------------------------------------------------------------

@transaction.atomic
def widget_add(*, actor, kind: str, request=None) -> DashboardWidget:
    from assura.sales.dashboard import widgets_available

    if kind not in {w.key for w in widgets_available(actor)}:
        raise ValidationError({"kind": [_("Widget inconnu.")]})
    if DashboardWidget.objects.filter(user=actor, kind=kind).exists():
        raise ValidationError({"kind": [_("Ce widget est déjà sur votre tableau de bord.")]})
    position = (DashboardWidget.objects.filter(user=actor).aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            return DashboardWidget.objects.create(organization_id=actor.organization_id, user=actor, kind=kind,
                                                  position=position)
    except IntegrityError:
        raise ValidationError({"kind": [_("Ce widget est déjà sur votre tableau de bord.")]}) from None


@transaction.atomic
def widget_remove(*, actor, widget: DashboardWidget, request=None) -> None:
    if widget.user_id != actor.pk:
        raise Http404
    widget.delete()


@transaction.atomic
def widgets_reorder(*, actor, ids: list[int], request=None) -> list[DashboardWidget]:
    """Put the user's widgets in the order of `ids` (all of them, each once)."""
    widgets = {w.pk: w for w in DashboardWidget.objects.filter(user=actor)}
    if sorted(ids) != sorted(widgets):
        raise ValidationError({"ids": [_("Donnez chacun de vos widgets une fois.")]})
    for position, pk in enumerate(ids, start=1):
        widgets[pk].position = position
    DashboardWidget.objects.bulk_update(widgets.values(), ["position"])
    return [widgets[pk] for pk in ids]


@transaction.atomic
def widget_move(*, actor, widget: DashboardWidget, direction: str, request=None) -> None:
    """Move a widget one place up or down."""
    if widget.user_id != actor.pk:
        raise Http404
    ids = list(DashboardWidget.objects.filter(user=actor).values_list("pk", flat=True))
    i = ids.index(widget.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        widgets_reorder(actor=actor, ids=ids)


def widgets_ensure(*, user) -> list[DashboardWidget]:
    """The user's widgets; a first visit gets the default set for their role."""
    from assura.sales.dashboard import default_widgets

    widgets = list(DashboardWidget.objects.filter(user=user))
    if widgets or DashboardWidget.objects.filter(user=user).exists():
        return widgets
    DashboardWidget.objects.bulk_create(
        [DashboardWidget(organization_id=user.organization_id, user=user, kind=k, position=i)
         for i, k in enumerate(default_widgets(user), start=1)], ignore_conflicts=True)
    return list(DashboardWidget.objects.filter(user=user))
