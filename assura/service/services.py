"""Writes of the service desk. Keyword-only, one transaction, full_clean, history.

Status workflow (dated in TicketStatusChange; anything else is refused):

    nouveau ─► ouvert, attente_client, attente_interne, resolu
    ouvert ─► attente_client, attente_interne, resolu
    attente_client ─► ouvert, resolu            (a customer's e-mail reopens it: ouvert)
    attente_interne ─► ouvert, attente_client, resolu
    resolu ─► clos, reouvert                    (needs a resolution code to get there)
    reouvert ─► ouvert, attente_client, attente_interne, resolu
    clos ─► (nothing: a new message opens a new ticket)

SLA clocks (working time, see assura.service.sla) start at creation from the most specific
active policy (category > kind > priority); they pause while "attente_client" and resume
with the remaining working time; the first public reply stops the first-response clock,
resolution stops both and records whether the targets were met.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.core.permissions import user_can
from assura.core.records import history_record, notify, sequence_next, snapshot
from assura.core.search import search_text
from assura.service import sla
from assura.service.choices import (
    OPEN_STATUSES,
    MessageKind,
    ResolutionCode,
    RootCause,
    RoutingStrategy,
    TicketKind,
    TicketStatus,
)
from assura.service.models import (
    Category,
    RoutingRule,
    ServiceSettings,
    SlaPolicy,
    Team,
    Ticket,
    TicketMessage,
    TicketStatusChange,
)

EDIT = "tickets.edit"
ASSIGN = "tickets.assign"
SETTINGS = "service.settings"

TICKET_FIELDS = (
    "kind", "category", "subcategory", "priority", "channel", "contact", "account", "customer_name",
    "customer_email", "policy_number", "claim_number", "policy", "claim", "subject", "description",
)
TRACKED = (*TICKET_FIELDS, "status", "assignee", "team", "resolution_code", "root_cause")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    TicketStatus.NEW: (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_INTERNAL,
                       TicketStatus.RESOLVED),
    TicketStatus.OPEN: (TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_INTERNAL, TicketStatus.RESOLVED),
    TicketStatus.WAITING_CUSTOMER: (TicketStatus.OPEN, TicketStatus.RESOLVED),
    TicketStatus.WAITING_INTERNAL: (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.REOPENED),
    TicketStatus.REOPENED: (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_INTERNAL,
                            TicketStatus.RESOLVED),
    TicketStatus.CLOSED: (),
}


def _require(actor, action: str) -> None:
    if not user_can(actor, action):
        raise PermissionDenied


def _same_company(organization_id, *objs) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "organization_id", None) != organization_id:
            raise Http404


# --- Company settings and calendar -------------------------------------------------------------------

def settings_for(organization_id) -> ServiceSettings:
    found = ServiceSettings.objects.filter(organization_id=organization_id).first()
    if found is None:
        found, _created = ServiceSettings.objects.get_or_create(
            organization_id=organization_id, defaults={"work_days": list(sla.ALGERIA_WEEK)}
        )
    return found


def calendar_for(organization_id, *, around: dt.datetime | None = None) -> sla.Calendar:
    conf = settings_for(organization_id)
    year = (around or timezone.now()).year
    holidays = sla.algerian_holidays(year - 1, year + 2) if conf.use_public_holidays else frozenset()
    days = frozenset(conf.work_days or sla.ALGERIA_WEEK)
    start, end = conf.work_start, conf.work_end
    if isinstance(start, str):
        start = dt.time.fromisoformat(start)
    if isinstance(end, str):
        end = dt.time.fromisoformat(end)
    return sla.Calendar(start=start, end=end, weekdays=days, holidays=holidays,
                        tz=timezone.get_default_timezone())


@transaction.atomic
def settings_update(*, actor, request=None, **data) -> ServiceSettings:
    _require(actor, SETTINGS)
    conf = settings_for(actor.organization_id)
    for key, value in data.items():
        setattr(conf, key, value)
    errors = {}
    if conf.work_start and conf.work_end and conf.work_end <= conf.work_start:
        errors["work_end"] = [_("La fin de journée doit suivre son début.")]
    if not conf.work_days:
        errors["work_days"] = [_("Choisissez au moins un jour ouvré.")]
    try:
        conf.full_clean()
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    conf.save()
    return conf


@transaction.atomic
def inbound_token_rotate(*, actor, request=None) -> ServiceSettings:
    from assura.service.models import new_inbound_token

    _require(actor, SETTINGS)
    conf = settings_for(actor.organization_id)
    conf.inbound_token = new_inbound_token()
    conf.save(update_fields=["inbound_token"])
    return conf


# --- Configuration records (categories, teams, policies, rules, templates) ---------------------------

CONFIG_RELATIONS = ("parent", "category", "team", "agency", "lead")


@transaction.atomic
def config_save(*, actor, model, instance=None, request=None, **data):
    """Create or update one configuration record of the company (action "service.settings")."""
    _require(actor, SETTINGS)
    obj = instance or model(organization_id=actor.organization_id)
    _same_company(actor.organization_id, obj, *(data.get(k) for k in CONFIG_RELATIONS))
    m2m = {k: data.pop(k) for k in list(data) if k == "members"}
    for user in m2m.get("members", ()):
        if user.organization_id != actor.organization_id:
            raise Http404
    lead = data.get("lead")
    if lead is not None and lead.organization_id != actor.organization_id:
        raise Http404
    for key, value in data.items():
        setattr(obj, key, value)
    errors = {}
    if isinstance(obj, Category) and obj.parent_id:
        if obj.parent_id == obj.pk:
            errors["parent"] = [_("Une catégorie ne peut pas être sa propre parente.")]
        elif obj.parent.parent_id:
            errors["parent"] = [_("Choisissez une catégorie principale (deux niveaux au plus).")]
        elif obj.pk and obj.children.exists():
            errors["parent"] = [_("Cette catégorie a des sous-catégories : elle reste principale.")]
    if isinstance(obj, SlaPolicy) and obj.first_response_hours is not None and obj.resolution_hours is not None:
        if obj.first_response_hours == 0:
            errors["first_response_hours"] = [_("Indiquez un délai d'au moins une heure.")]
        if obj.resolution_hours < obj.first_response_hours:
            errors["resolution_hours"] = [_("Le délai de résolution ne peut pas précéder la première réponse.")]
    try:
        obj.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    obj.save()
    for key, values in m2m.items():
        getattr(obj, key).set(values)
    return obj


@transaction.atomic
def config_delete(*, actor, obj, request=None) -> None:
    _require(actor, SETTINGS)
    _same_company(actor.organization_id, obj)
    obj.delete()


# --- SLA --------------------------------------------------------------------------------------------

def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy matching the ticket (category, then kind, then priority)."""
    candidates = SlaPolicy.objects.filter(organization_id=ticket.organization_id, is_active=True).filter(
        Q(kind="") | Q(kind=ticket.kind), Q(priority="") | Q(priority=ticket.priority),
        Q(category__isnull=True) | Q(category_id__in=[c for c in (ticket.category_id, ticket.subcategory_id) if c]),
    )
    return max(candidates, key=lambda p: (p.specificity, -p.pk), default=None)


def _clocks_start(ticket: Ticket, now: dt.datetime) -> None:
    policy = policy_for(ticket)
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due = ticket.first_response_risk_at = None
        ticket.resolution_due = ticket.resolution_risk_at = None
        return
    cal = calendar_for(ticket.organization_id, around=now)
    first = sla.clock_from(now, policy.first_response_hours * 3600, cal)
    resolution = sla.clock_from(now, policy.resolution_hours * 3600, cal)
    if ticket.first_responded_at is None:
        ticket.first_response_due, ticket.first_response_risk_at = first.due, first.risk_at
    ticket.resolution_due, ticket.resolution_risk_at = resolution.due, resolution.risk_at


CLOCK_FIELDS = ("first_response_due", "first_response_risk_at", "resolution_due", "resolution_risk_at")


def _clocks_pause(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.sla_paused_at is not None:
        return
    cal = calendar_for(ticket.organization_id, around=now)
    ticket.sla_remaining = {
        name: sla.remaining(now, getattr(ticket, name), cal) for name in CLOCK_FIELDS if getattr(ticket, name)
    }
    for name in CLOCK_FIELDS:
        setattr(ticket, name, None)
    ticket.sla_paused_at = now


def _clocks_resume(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.sla_paused_at is None:
        return
    cal = calendar_for(ticket.organization_id, around=now)
    for name, seconds in (ticket.sla_remaining or {}).items():
        if name in CLOCK_FIELDS and not (name.startswith("first") and ticket.first_responded_at):
            setattr(ticket, name, sla.add_working(now, seconds, cal))
    ticket.sla_remaining = {}
    ticket.sla_paused_at = None
    ticket.sla_at_risk, ticket.risk_notified_at = False, None  # the clocks moved: the scan decides again


def sla_state(ticket: Ticket, now: dt.datetime | None = None) -> str:
    """"breached", "at_risk", "ok", "paused", "met", "missed" or "" (no policy)."""
    now = now or timezone.now()
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return "" if ticket.sla_met is None else ("met" if ticket.sla_met else "missed")
    if ticket.sla_paused_at:
        return "paused"
    dues = [ticket.resolution_due]
    risks = [ticket.resolution_risk_at]
    if ticket.first_responded_at is None:
        dues.append(ticket.first_response_due)
        risks.append(ticket.first_response_risk_at)
    if ticket.sla_breached or any(d and d <= now for d in dues):
        return "breached"
    if any(r and r <= now for r in risks):
        return "at_risk"
    return "ok" if ticket.sla_policy_id else ""


# --- Routing ------------------------------------------------------------------------------------------

def _customer_place(ticket: Ticket):
    customer = ticket.contact or ticket.account
    if customer is None:
        return ticket.agency_id, None
    return customer.agency_id or ticket.agency_id, customer.wilaya_id


def _rule_matches(rule: RoutingRule, ticket: Ticket, agency_id, wilaya_id) -> bool:
    category_ids = {ticket.category_id, ticket.subcategory_id, ticket.suggested_category_id} - {None}
    if rule.category_id and rule.category_id not in category_ids:
        return False
    if rule.channel and rule.channel != ticket.channel:
        return False
    if rule.kind and rule.kind != ticket.kind:
        return False
    if rule.agency_id and rule.agency_id != agency_id:
        return False
    return not (rule.wilaya_id and rule.wilaya_id != wilaya_id)


def team_candidates(team: Team) -> list:
    from assura.identity.choices import UserStatus

    return list(team.members.filter(is_active=True, status=UserStatus.ACTIVE).order_by("pk"))


def route(ticket: Ticket):
    """(team, assignee) for a new ticket by the company's routing rules; (None, None) when none matches."""
    agency_id, wilaya_id = _customer_place(ticket)
    rules = RoutingRule.objects.filter(organization_id=ticket.organization_id, is_active=True).select_related("team")
    for rule in rules.order_by("priority", "pk"):
        if not _rule_matches(rule, ticket, agency_id, wilaya_id):
            continue
        team = rule.team
        if rule.strategy == RoutingStrategy.TEAM:
            return team, None
        people = team_candidates(team)
        if not people:
            return team, None
        if rule.strategy == RoutingStrategy.LOAD:
            loads = dict(Ticket.objects.filter(organization_id=ticket.organization_id, status__in=OPEN_STATUSES,
                                               assignee__in=people).values_list("assignee").annotate(n=Count("pk")))
            return team, min(people, key=lambda u: (loads.get(u.pk, 0), u.pk))
        # Round robin: the team's cursor advances under a row lock.
        Team.objects.filter(pk=team.pk).update(position=F("position") + 1)
        position = Team.objects.select_for_update().values_list("position", flat=True).get(pk=team.pk)
        return team, people[(position - 1) % len(people)]
    return None, None


# --- Tickets ---------------------------------------------------------------------------------------------

def refresh_search(ticket: Ticket) -> None:
    contact = ticket.contact
    ticket.search_text = search_text(
        ticket.reference, ticket.subject, ticket.customer_name, ticket.customer_email, ticket.policy_number,
        ticket.claim_number, str(contact) if contact else "", getattr(ticket.account, "name", ""),
    )


def _holds(ticket: Ticket, record) -> bool:
    """Whether a policy or claim is the ticket's customer's (any customer's while the ticket has none)."""
    if not (ticket.contact_id or ticket.account_id):
        return True
    return bool((ticket.contact_id and record.contact_id == ticket.contact_id)
                or (ticket.account_id and record.account_id == ticket.account_id))


def _by_number(ticket: Ticket, model, number: str):
    """The company's policy / claim of this number when it is the ticket's customer's, else None."""
    if not number:
        return None
    found = model.objects.filter(organization_id=ticket.organization_id, number__iexact=number).first()
    return found if found is not None and _holds(ticket, found) else None


def _link_portfolio(ticket: Ticket, data: dict, before: tuple[str, str], errors: dict) -> None:
    """Set `policy` / `claim`: a chosen one is checked (same company, the customer's, the claim on
    the chosen policy); otherwise the typed number decides, and an existing link is kept while
    its number and the customer stay the same."""
    from assura.portfolio.models import Claim, Policy

    chosen = {}
    for key, model, number, old in (("policy", Policy, ticket.policy_number, before[0]),
                                    ("claim", Claim, ticket.claim_number, before[1])):
        record = data.get(key)
        if record is not None:
            chosen[key] = record
            if record.organization_id != ticket.organization_id:
                errors[key] = [_("Cette police n'existe pas dans votre entreprise.") if key == "policy"
                               else _("Ce sinistre n'existe pas dans votre entreprise.")]
            elif not _holds(ticket, record):
                errors[key] = [_("Cette police n'appartient pas au client du ticket.") if key == "policy"
                               else _("Ce sinistre n'appartient pas au client du ticket.")]
            elif not number:
                setattr(ticket, f"{key}_number", record.number)
            setattr(ticket, key, record)
            continue
        current = getattr(ticket, key) if getattr(ticket, f"{key}_id") else None
        if key in data or current is None or number.lower() != old.lower() or not _holds(ticket, current):
            setattr(ticket, key, _by_number(ticket, model, number))
    policy, claim = ticket.policy if ticket.policy_id else None, ticket.claim if ticket.claim_id else None
    if errors.keys() & {"policy", "claim"} or claim is None:
        return
    if policy is None:
        ticket.policy = claim.policy
        if not ticket.policy_number:
            ticket.policy_number = claim.policy.number
    elif claim.policy_id != policy.pk:
        if "claim" in chosen:
            errors["claim"] = [_("Ce sinistre relève d'une autre police que celle choisie.")]
        else:
            ticket.claim = None  # a number that contradicts the policy is not linked


def ticket_build(*, ticket: Ticket, data: dict) -> Ticket:
    unknown = set(data) - set(TICKET_FIELDS)
    if unknown:
        raise TypeError(f"Unknown ticket fields: {sorted(unknown)}")
    _same_company(ticket.organization_id, data.get("category"), data.get("subcategory"), data.get("contact"),
                  data.get("account"))
    for key in ("subject", "customer_name", "policy_number", "claim_number"):
        if isinstance(data.get(key), str):
            data[key] = " ".join(data[key].split())
    if isinstance(data.get("customer_email"), str):
        data["customer_email"] = data["customer_email"].strip().lower()
    before = (ticket.policy_number, ticket.claim_number)
    for key, value in data.items():
        if key not in ("policy", "claim"):
            setattr(ticket, key, value)
    errors: dict[str, list[str]] = {}
    _link_portfolio(ticket, data, before, errors)
    if ticket.category_id and ticket.category.parent_id:
        errors["category"] = [_("Choisissez une catégorie principale ; le détail va dans la sous-catégorie.")]
    if ticket.subcategory_id:
        if not ticket.category_id:
            errors["subcategory"] = [_("Choisissez d'abord la catégorie.")]
        elif ticket.subcategory.parent_id != ticket.category_id:
            errors["subcategory"] = [_("Cette sous-catégorie n'appartient pas à la catégorie choisie.")]
    if not ticket.customer_email and ticket.contact_id:
        ticket.customer_email = ticket.contact.email
    if not ticket.customer_name and (ticket.contact_id or ticket.account_id):
        ticket.customer_name = str(ticket.contact or ticket.account)[:150]
    if not (ticket.contact_id or ticket.account_id or ticket.customer_email or ticket.customer_name
            or ticket.lead_id):
        errors["contact"] = [_("Indiquez le client : un contact, un compte, ou au moins son nom ou son e-mail.")]
    refresh_search(ticket)
    try:
        ticket.full_clean(exclude=[*errors, "reference"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return ticket


def _record_status(ticket: Ticket, old: str, actor) -> None:
    TicketStatusChange.objects.create(organization_id=ticket.organization_id, ticket=ticket, from_status=old,
                                      to_status=ticket.status, actor=actor)


def _notify_assignee(ticket: Ticket, actor) -> None:
    if ticket.assignee_id and ticket.assignee_id != getattr(actor, "pk", None):
        notify(user=ticket.assignee, kind="ticket.assigned",
               title=_("Ticket attribué : %(ref)s") % {"ref": ticket.reference},
               body=ticket.subject, url=ticket.get_absolute_url())


def ticket_open(*, organization_id, actor=None, data: dict, assignee=None, team=None, agency=None, lead=None,
                message: dict | None = None, acknowledge: bool = True) -> Ticket:
    """Create a ticket (shared by the page, the API and inbound e-mail; the caller checked permissions)."""
    from assura.service import triage

    now = timezone.now()
    ticket = Ticket(organization_id=organization_id, created_by=actor if getattr(actor, "pk", None) else None,
                    lead=lead)
    _same_company(organization_id, assignee, team, agency)
    if assignee is not None and getattr(assignee, "organization_id", None) != organization_id:
        raise Http404
    ticket_build(ticket=ticket, data=dict(data))
    suggestion = triage.suggest(organization_id=organization_id, text=f"{ticket.subject}\n{ticket.description}")
    ticket.suggested_category = suggestion.category
    ticket.suggested_priority = suggestion.priority or ""
    ticket.suggestion_source = suggestion.source
    ticket.assignee, ticket.team = assignee, team
    if assignee is None and team is None:
        ticket.team, ticket.assignee = route(ticket)
    ticket.agency = agency or (ticket.contact.agency if ticket.contact_id and ticket.contact.agency_id else None) \
        or (ticket.assignee.agency if ticket.assignee and ticket.assignee.agency_id else None) \
        or (ticket.team.agency if ticket.team and ticket.team.agency_id else None) \
        or (getattr(actor, "agency", None) if getattr(actor, "agency_id", None) else None)
    number = sequence_next(organization_id=organization_id, key="service.ticket")
    ticket.reference = f"TK-{number:06d}"
    refresh_search(ticket)
    _clocks_start(ticket, now)
    ticket.save()
    _record_status(ticket, "", actor)
    if message:
        TicketMessage.objects.create(organization_id=organization_id, ticket=ticket, **message)
    _notify_assignee(ticket, actor)
    if acknowledge:
        acknowledgement_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_create(*, actor, request=None, assignee=None, team=None, **data) -> Ticket:
    """Create a ticket from the page or the API. Without assignee or team, the routing rules choose."""
    _require(actor, EDIT)
    if (assignee is not None or team is not None) and not user_can(actor, ASSIGN) \
            and assignee not in (None, actor):
        raise PermissionDenied
    return ticket_open(organization_id=actor.organization_id, actor=actor, data=data, assignee=assignee, team=team)


@transaction.atomic
def ticket_update(*, actor, ticket: Ticket, request=None, **data) -> Ticket:
    _require(actor, EDIT)
    _same_company(actor.organization_id, ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(_("Ce ticket est clos : il ne peut plus être modifié."))
    before = snapshot(ticket, TICKET_FIELDS)
    policy_inputs = (ticket.kind, ticket.priority, ticket.category_id, ticket.subcategory_id)
    ticket_build(ticket=ticket, data=dict(data))
    if (ticket.kind, ticket.priority, ticket.category_id, ticket.subcategory_id) != policy_inputs \
            and ticket.is_open and ticket.sla_paused_at is None:
        # A changed kind/priority/category may change the policy: the clocks restart from creation.
        created = ticket.created_at
        _clocks_start(ticket, created)
    ticket.save()
    history_record(obj=ticket, before=before, actor=actor)
    return ticket


def allowed_transitions(ticket: Ticket) -> tuple[str, ...]:
    return TRANSITIONS.get(ticket.status, ())


def _set_status(ticket: Ticket, status: str, actor, now: dt.datetime) -> None:
    old = ticket.status
    ticket.status = status
    if status == TicketStatus.WAITING_CUSTOMER:
        _clocks_pause(ticket, now)
    elif old == TicketStatus.WAITING_CUSTOMER:
        _clocks_resume(ticket, now)
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.sla_at_risk = False
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        if ticket.sla_policy_id:
            first_ok = ticket.first_responded_at is not None and (
                ticket.first_response_due is None or ticket.first_responded_at <= ticket.first_response_due)
            ticket.sla_met = bool(first_ok and not ticket.sla_breached
                                  and (ticket.resolution_due is None or now <= ticket.resolution_due))
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif status == TicketStatus.REOPENED:
        ticket.resolved_at = None
        ticket.sla_met = None
        ticket.sla_breached = ticket.sla_at_risk = False
        ticket.risk_notified_at = None
        _clocks_start(ticket, now)
    _record_status(ticket, old, actor)


@transaction.atomic
def ticket_transition(*, actor, ticket: Ticket, status: str, resolution_code: str = "", root_cause: str = "",
                      request=None) -> Ticket:
    _require(actor, EDIT)
    _same_company(actor.organization_id, ticket)
    list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk"))
    ticket.refresh_from_db()
    if status not in TicketStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    if status not in allowed_transitions(ticket):
        raise ValidationError({"status": [
            _("Un ticket « %(current)s » ne peut pas passer à « %(target)s ».")
            % {"current": ticket.get_status_display(), "target": TicketStatus(status).label}
        ]})
    if status == TicketStatus.RESOLVED:
        code = resolution_code or ticket.resolution_code
        if not code:
            raise ValidationError({"resolution_code": [_("Indiquez le code de résolution.")]})
        if code not in ResolutionCode.values:
            raise ValidationError({"resolution_code": [_("Code de résolution inconnu.")]})
        if root_cause and root_cause not in RootCause.values:
            raise ValidationError({"root_cause": [_("Cause racine inconnue.")]})
        if ticket.kind == TicketKind.COMPLAINT and not (root_cause or ticket.root_cause):
            raise ValidationError({"root_cause": [_("Une réclamation se résout avec sa cause racine.")]})
    before = snapshot(ticket, ("status", "resolution_code", "root_cause"))
    if status == TicketStatus.RESOLVED:
        ticket.resolution_code = resolution_code or ticket.resolution_code
        ticket.root_cause = root_cause or ticket.root_cause
    _set_status(ticket, status, actor, timezone.now())
    ticket.save()
    history_record(obj=ticket, before=before, actor=actor)
    if status == TicketStatus.RESOLVED:
        from assura.service.survey import survey_queue

        survey_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_assign(*, actor, ticket: Ticket, assignee=None, team=None, request=None) -> Ticket:
    """Manual (re)assignment: a person and/or a team of the company. Needs "tickets.assign",
    except a Utilisateur taking an unassigned ticket for themself."""
    taking = assignee is not None and assignee.pk == actor.pk and ticket.assignee_id is None \
        and team in (None, ticket.team) and user_can(actor, EDIT)
    if not taking:
        _require(actor, ASSIGN)
    _same_company(actor.organization_id, ticket, team)
    if assignee is not None and assignee.organization_id != actor.organization_id:
        raise Http404
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(_("Ce ticket est clos : il ne peut plus être réattribué."))
    if assignee is None and team is None:
        raise ValidationError({"assignee": [_("Choisissez une personne ou une équipe.")]})
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": [_("Cet utilisateur est désactivé.")]})
    before = snapshot(ticket, ("assignee", "team"))
    ticket.assignee = assignee
    if team is not None:
        ticket.team = team
    if assignee is not None and assignee.agency_id and ticket.agency_id is None:
        ticket.agency_id = assignee.agency_id
    ticket.save(update_fields=["assignee", "team", "agency", "updated_at"])
    history_record(obj=ticket, before=before, actor=actor)
    _notify_assignee(ticket, actor)
    return ticket


# --- Conversation -------------------------------------------------------------------------------------------

PLACEHOLDERS = ("client", "reference", "echeance", "police", "sinistre", "statut_sinistre", "agent", "sujet")


def template_values(ticket: Ticket, agent=None) -> dict[str, str]:
    due = ticket.resolution_due
    return {
        "client": ticket.customer_name or str(ticket.contact or ticket.account or ""),
        "reference": ticket.reference,
        "echeance": timezone.localtime(due).strftime("%d/%m/%Y") if due else "",
        "police": ticket.policy_number,
        "sinistre": ticket.claim_number,
        "statut_sinistre": ticket.claim.get_status_display() if ticket.claim_id else "",
        "agent": agent.get_full_name() if agent else "",
        "sujet": ticket.subject,
    }


def template_render(template_body: str, values: dict[str, str]) -> str:
    """Replace {placeholder} by its value; unknown braces are left as typed (no template engine)."""
    text = template_body
    for key, value in values.items():
        text = text.replace("{" + key + "}", value or "")
    return text


def _validate_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Le message est vide.")]})
    if len(body) > 20000:
        raise ValidationError({"body": [_("Le message dépasse 20 000 caractères.")]})
    return body


REPLY_MAX_FILES = 10
REPLY_MAX_TOTAL_BYTES = 20 * 1024 * 1024  # what customers' mail servers commonly accept


def _checked_reply_files(files) -> list[tuple]:
    """(file, kind, mime type, name) of each file to send, checked like any record's document
    (type from the content, size); every refusal is reported on "files", before anything is saved."""
    from assura.core.attachments import validate_attachment

    files = [f for f in files or () if f is not None]
    if len(files) > REPLY_MAX_FILES:
        raise ValidationError({"files": [_("Joignez au plus %(max)s fichiers.") % {"max": REPLY_MAX_FILES}]})
    checked, errors = [], []
    for upload in files:
        original = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        name = " ".join(original.split())[:200] or "fichier"
        try:
            kind, mime_type = validate_attachment(upload)
        except ValidationError as exc:
            errors.append(f"{name} : {' '.join(exc.messages)}")
            continue
        checked.append((upload, kind, mime_type, name))
    if not errors and sum(upload.size for upload, *_rest in checked) > REPLY_MAX_TOTAL_BYTES:
        errors.append(_("Les pièces jointes dépassent %(max)s Mo au total.")
                      % {"max": REPLY_MAX_TOTAL_BYTES // (1024 * 1024)})
    if errors:
        raise ValidationError({"files": errors})
    return checked


def _store_reply_files(*, ticket: Ticket, message: TicketMessage, checked: list[tuple], actor) -> None:
    """Keep the files as documents of the ticket (its visibility guards the download) and name them
    on the message (the conversation shows them, the e-mail carries them)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import File

    from assura.core.attachments import _storage_name
    from assura.core.models import Attachment

    content_type = ContentType.objects.get_for_model(Ticket)
    stored = []
    for upload, kind, mime_type, name in checked:
        attachment = Attachment(organization_id=ticket.organization_id, content_type=content_type,
                                object_id=ticket.pk, name=name, size=upload.size, mime_type=mime_type,
                                uploaded_by=actor)
        upload.seek(0)
        attachment.file.save(_storage_name(name, kind), File(upload), save=False)
        attachment.save()
        stored.append(attachment)
    message.attachments.set(stored)


@transaction.atomic
def ticket_reply(*, actor, ticket: Ticket, body: str, wait_for_customer: bool = False, files=(), request=None
                 ) -> TicketMessage:
    """A reply to the customer, e-mailed with the reference in the subject and the files attached
    (after commit). The first one stops the first-response clock."""
    from assura.service.mail import deliver_on_commit, mailbox_address, new_message_id, subject_for

    _require(actor, EDIT)
    _same_company(actor.organization_id, ticket)
    body = _validate_body(body)
    checked = _checked_reply_files(files)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(_("Ce ticket est clos : il ne peut plus recevoir de réponse."))
    if not ticket.customer_email:
        raise ValidationError({"body": [_("Ce client n'a pas d'adresse e-mail : notez plutôt l'échange.")]})
    now = timezone.now()
    last_inbound = ticket.messages.filter(kind=MessageKind.INBOUND).exclude(message_id="").order_by("-created_at") \
        .values_list("message_id", flat=True).first()
    message = TicketMessage.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=MessageKind.REPLY, author=actor,
        from_email=mailbox_address(ticket.organization_id), to_email=ticket.customer_email,
        subject=subject_for(ticket, f"Re: {ticket.subject}"), body=body,
        message_id=new_message_id(ticket.organization_id), in_reply_to=last_inbound or "",
    )
    if checked:
        _store_reply_files(ticket=ticket, message=message, checked=checked, actor=actor)
    fields = ["updated_at"]
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    if ticket.assignee_id is None:
        ticket.assignee = actor
        fields.append("assignee")
    target = TicketStatus.WAITING_CUSTOMER if wait_for_customer else TicketStatus.OPEN
    if ticket.status != target and target in allowed_transitions(ticket):
        _set_status(ticket, target, actor, now)
        fields += ["status", "sla_paused_at", "sla_remaining", *CLOCK_FIELDS, "resolved_at", "sla_met",
                   "sla_at_risk", "sla_breached", "risk_notified_at"]
    ticket.save(update_fields=list(dict.fromkeys(fields)))
    deliver_on_commit(message.pk)
    return message


@transaction.atomic
def ticket_note(*, actor, ticket: Ticket, body: str, request=None) -> TicketMessage:
    """An internal note: never e-mailed, never shown to the customer."""
    _require(actor, EDIT)
    _same_company(actor.organization_id, ticket)
    body = _validate_body(body)
    return TicketMessage.objects.create(organization_id=ticket.organization_id, ticket=ticket, kind=MessageKind.NOTE,
                                        author=actor, body=body)


def acknowledgement_queue(*, ticket: Ticket) -> TicketMessage | None:
    """The automatic acknowledgement: reference and target date, e-mailed after commit."""
    from assura.service.mail import deliver_on_commit, mailbox_address, new_message_id, subject_for

    if not ticket.customer_email or not settings_for(ticket.organization_id).acknowledge:
        return None
    due = ticket.resolution_due
    lines = [
        _("Bonjour %(name)s,") % {"name": ticket.customer_name or ""},
        "",
        _("Nous avons bien reçu votre demande « %(subject)s ». Elle est enregistrée sous la référence "
          "%(ref)s.") % {"subject": ticket.subject, "ref": ticket.reference},
    ]
    if due:
        lines.append(_("Nous nous engageons à vous répondre au plus tard le %(date)s.")
                     % {"date": timezone.localtime(due).strftime("%d/%m/%Y")})
    lines += ["", _("Merci de conserver la référence %(ref)s dans l'objet de vos réponses.")
              % {"ref": ticket.reference}, "", _("Le service client")]
    in_reply_to = ticket.messages.filter(kind=MessageKind.INBOUND).values_list("message_id", flat=True).first() or ""
    message = TicketMessage.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=MessageKind.ACK,
        from_email=mailbox_address(ticket.organization_id), to_email=ticket.customer_email,
        subject=subject_for(ticket, _("Accusé de réception : %(subject)s") % {"subject": ticket.subject}),
        body="\n".join(lines), message_id=new_message_id(ticket.organization_id), in_reply_to=in_reply_to,
    )
    deliver_on_commit(message.pk)
    return message


# --- The SLA scan (beat) ------------------------------------------------------------------------------------

def _supervisors(organization_id):
    from assura.core.permissions import Role

    return list(get_user_model().objects.filter(organization_id=organization_id, role=Role.SUPERVISOR,
                                                is_active=True))


SECOND_ESCALATION_AFTER = dt.timedelta(days=1)


def sla_scan(*, now: dt.datetime | None = None, organization_id=None) -> dict[str, int]:
    """Flag breached tickets and escalate each exactly once per level (level 1: team lead, and the
    Superviseurs for complaints; level 2 a day later: every Superviseur); warn the assignee once
    when a ticket becomes at risk. Safe to run concurrently (conditional UPDATEs decide who notifies)."""
    now = now or timezone.now()
    base = Ticket.objects.filter(status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
    if organization_id is not None:
        base = base.filter(organization_id=organization_id)
    breached_q = Q(first_responded_at__isnull=True, first_response_due__lte=now) | Q(resolution_due__lte=now)
    counts = {"breached": 0, "escalated": 0, "at_risk": 0}
    counts["breached"] = base.filter(breached_q, sla_breached=False).update(sla_breached=True, sla_at_risk=False)
    for ticket in base.filter(breached_q, escalated_at__isnull=True).select_related("team__lead", "assignee") \
            .iterator(chunk_size=500):
        with transaction.atomic():
            won = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
                escalated_at=now, escalation_level=F("escalation_level") + 1)
            if not won:
                continue  # another scan got there first
            recipients = {}
            if ticket.team_id and ticket.team.lead_id:
                recipients[ticket.team.lead_id] = ticket.team.lead
            if ticket.kind == TicketKind.COMPLAINT:
                for user in _supervisors(ticket.organization_id):
                    recipients[user.pk] = user
            if not recipients and ticket.assignee_id:
                recipients[ticket.assignee_id] = ticket.assignee
            for user in recipients.values():
                notify(user=user, kind="ticket.escalated",
                       title=_("Délai dépassé : %(ref)s") % {"ref": ticket.reference},
                       body=ticket.subject, url=ticket.get_absolute_url())
            counts["escalated"] += 1
    # Level 2: still open a day after the first escalation → every Superviseur, once.
    stale = base.filter(escalation_level=1, escalated_at__lte=now - SECOND_ESCALATION_AFTER)
    for ticket in stale.iterator(chunk_size=500):
        if not Ticket.objects.filter(pk=ticket.pk, escalation_level=1).update(escalation_level=2):
            continue
        for user in _supervisors(ticket.organization_id):
            notify(user=user, kind="ticket.escalated",
                   title=_("Escalade niveau 2 : %(ref)s toujours hors délai") % {"ref": ticket.reference},
                   body=ticket.subject, url=ticket.get_absolute_url())
        counts["escalated_level2"] = counts.get("escalated_level2", 0) + 1
    risk_q = (Q(first_responded_at__isnull=True, first_response_risk_at__lte=now)
              | Q(resolution_risk_at__lte=now))
    base.filter(risk_q, sla_breached=False, sla_at_risk=False).update(sla_at_risk=True)
    for ticket in base.filter(sla_at_risk=True, risk_notified_at__isnull=True) \
            .select_related("assignee", "team__lead").iterator(chunk_size=500):
        if not Ticket.objects.filter(pk=ticket.pk, risk_notified_at__isnull=True).update(risk_notified_at=now):
            continue
        user = ticket.assignee or (ticket.team.lead if ticket.team_id else None)
        if user is not None:
            notify(user=user, kind="ticket.at_risk", title=_("Ticket à risque : %(ref)s") % {"ref": ticket.reference},
                   body=ticket.subject, url=ticket.get_absolute_url())
        counts["at_risk"] += 1
    return counts



# --- Knowledge base -------------------------------------------------------------------------------------------

KB_FIELDS = ("title", "body", "category", "visibility", "is_published")


@transaction.atomic
def kb_article_save(*, actor, article=None, request=None, **data):
    """Create an article, or change one: each change of title or body is a new version (kept)."""
    from assura.service.models import KbArticle, KbArticleVersion

    _require(actor, "kb.edit")
    unknown = set(data) - set(KB_FIELDS)
    if unknown:
        raise TypeError(f"Unknown article fields: {sorted(unknown)}")
    obj = article or KbArticle(organization_id=actor.organization_id, author=actor)
    _same_company(actor.organization_id, obj, data.get("category"))
    # Read from the database: a ModelForm may already have changed the instance in memory.
    before = KbArticle.objects.filter(pk=obj.pk).values_list("title", "body").first() if obj.pk else None
    for key, value in data.items():
        setattr(obj, key, value.strip() if isinstance(value, str) else value)
    if before is not None and before != (obj.title, obj.body):
        obj.version += 1
    obj.search_text = search_text(obj.title, obj.body)
    obj.full_clean()
    obj.save()
    if before != (obj.title, obj.body):
        KbArticleVersion.objects.create(organization_id=obj.organization_id, article=obj, version=obj.version,
                                        title=obj.title, body=obj.body, author=actor)
    return obj


@transaction.atomic
def kb_vote(*, actor, article, helpful: bool, request=None):
    """One vote per user and article (a second vote changes it); counters follow."""
    from assura.service.models import KbArticle, KbVote

    _same_company(actor.organization_id, article)
    KbVote.objects.update_or_create(organization_id=actor.organization_id, article=article, user=actor,
                                    defaults={"helpful": bool(helpful)})
    counts = KbVote.objects.filter(article=article).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    KbArticle.objects.filter(pk=article.pk).update(helpful_count=counts["yes"], unhelpful_count=counts["no"])
    article.refresh_from_db()
    return article


@transaction.atomic
def kb_link_ticket(*, actor, article, ticket, request=None):
    _require(actor, EDIT)
    _same_company(actor.organization_id, article, ticket)
    article.tickets.add(ticket)
    return article


@transaction.atomic
def suggestion_accept(*, actor, ticket, request=None) -> Ticket:
    """An agent accepts the suggested category and priority (never applied by itself)."""
    data = {}
    if ticket.suggested_category_id and not ticket.category_id:
        data["category"] = ticket.suggested_category
    if ticket.suggested_priority:
        data["priority"] = ticket.suggested_priority
    if not data:
        raise ValidationError(_("Aucune suggestion à appliquer."))
    return ticket_update(actor=actor, ticket=ticket, **data)
