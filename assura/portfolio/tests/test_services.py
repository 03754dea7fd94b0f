"""Services of the portfolio: premium tables, catalogue rules, policy lifecycle and versions,
quotes, receivables (rounding, allocation), dunning and renewals run once, claim workflow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assura.activities.models import Activity
from assura.core.models import Notification
from assura.customers.tests.factories import ContactFactory
from assura.portfolio import services
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.choices import ClaimStatus, InstalmentStatus, PolicyStatus, QuoteStatus
from assura.portfolio.models import (
    Claim,
    DunningRecord,
    Formula,
    Guarantee,
    Instalment,
    Payment,
    Policy,
    PolicyVersion,
    RenewalTask,
)
from assura.portfolio.premium import clean_insured_object, compute_premium
from assura.portfolio.tests.factories import VEHICLE

D = Decimal
TODAY = datetime.date.today()


@pytest.fixture
def catalogue(org):
    return seed_catalogue(org)


@pytest.fixture
def auto(catalogue):
    return catalogue["AUTO-PART"]


def formula(product, code):
    return Formula.objects.get(product=product, code=code)


def guarantee(product, code):
    return Guarantee.objects.get(product=product, code=code)


def issue(actor, auto, *, start=None, frequency="annuel", formula_code="RCE", options=(), contact=None, **kw):
    return services.policy_create(
        actor=actor, product=auto, formula=formula(auto, formula_code), contact=contact or ContactFactory(
            organization=actor.organization, agency=actor.agency),
        guarantees=[guarantee(auto, c) for c in options], insured_object=dict(VEHICLE),
        effective_date=start or TODAY - datetime.timedelta(days=10), payment_frequency=frequency, **kw)


# --- Premium ------------------------------------------------------------------------------------------

class Conf:
    tax_rate, policy_cost, stamp_duty = D("19"), D("500"), D("40")


@pytest.mark.parametrize(("codes", "value", "net", "tax", "total"), [
    (["RC"], "2000000", "3500.00", "760.00", "4800.00"),                   # fixed only
    (["RC", "DR", "PT"], "2000000", "5000.00", "1045.00", "6585.00"),
    (["RC", "DC"], "2000000", "27500.00", "5320.00", "33360.00"),          # 1.20 % of 2 000 000
    (["RC", "DC"], "1234567.89", "18314.81", "3574.81", "22429.62"),       # rate rounded half up per line
    (["TR"], "0", "0.00", "95.00", "635.00"),
])
def test_premium_table(auto, codes, value, net, tax, total):
    obj = clean_insured_object(auto.object_schema, {**VEHICLE, "valeur_venale": value})
    result = compute_premium(guarantees=[guarantee(auto, c) for c in codes], insured_object=obj, settings=Conf)
    assert (result.net_premium, result.tax, result.total_premium) == (D(net), D(tax), D(total))
    assert result.total_premium == result.net_premium + result.policy_cost + result.tax + result.stamp_duty
    assert result.net_premium == sum(D(line["amount"]) for line in result.lines)


def test_negative_rule_and_missing_field_refused(auto):
    with pytest.raises(ValidationError) as exc:
        clean_insured_object(auto.object_schema, {**VEHICLE, "immatriculation": "", "valeur_venale": "-5"})
    messages = exc.value.message_dict["insured_object"]
    assert "Immatriculation : champ obligatoire." in messages
    assert "Valeur vénale (DA) : montant positif attendu." in messages
    bad = guarantee(auto, "RC")
    bad.premium_amount = D("-10")
    with pytest.raises(ValidationError) as exc:
        compute_premium(guarantees=[bad], insured_object={}, settings=Conf)
    assert "montant négatif" in exc.value.message_dict["guarantees"][0]


def test_guarantee_save_refuses_negative_premium_and_unknown_base(admin, auto):
    with pytest.raises(ValidationError) as exc:
        services.guarantee_save(actor=admin, product=auto, code="X", name="X", premium_mode="fixe",
                                premium_amount=D("-1"))
    assert exc.value.message_dict["premium_amount"] == ["Une prime ne peut pas être négative."]
    with pytest.raises(ValidationError) as exc:
        services.guarantee_save(actor=admin, product=auto, code="Y", name="Y", premium_mode="taux",
                                premium_rate=D("1"), rate_base="couleur")
    assert "rate_base" in exc.value.message_dict
    assert not auto.guarantees.filter(code__in=["X", "Y"]).exists()


def test_catalogue_needs_admin(agent, auto):
    with pytest.raises(PermissionDenied):
        services.guarantee_save(actor=agent, product=auto, code="Z", name="Z", premium_mode="fixe",
                                premium_amount=D("1"))


def test_branch_pattern_checked(admin):
    with pytest.raises(ValidationError) as exc:
        services.branch_save(actor=admin, code="XX", name="X", number_pattern="{code}-{nom}")
    assert "number_pattern" in exc.value.message_dict


# --- Policies -------------------------------------------------------------------------------------------

def test_policy_create_numbers_prices_versions_and_instalments(admin, auto):
    policy = issue(admin, auto, options=["BG"], frequency="trimestriel")
    assert policy.number == f"AUT-{policy.effective_date.year}-000001"
    assert policy.net_premium == D("7500.00")  # RC 3500 + DR 600 + PT 900 + BG 2500
    assert policy.total_premium == policy.net_premium + policy.policy_cost + policy.tax + policy.stamp_duty
    assert set(policy.guarantees.values_list("code", flat=True)) == {"RC", "DR", "PT", "BG"}
    amounts = list(policy.instalments.values_list("amount", flat=True))
    assert len(amounts) == 4 and sum(amounts) == policy.total_premium
    assert policy.versions.get().version == 1
    assert issue(admin, auto).number.endswith("000002")


def test_duplicate_policy_number_refused(admin, auto):
    issue(admin, auto, number="AUT-2026-777")
    count = Policy.objects.count()
    with pytest.raises(ValidationError) as exc:
        issue(admin, auto, number="AUT-2026-777")
    assert exc.value.message_dict["number"] == ["Ce numéro de police est déjà attribué."]
    assert Policy.objects.count() == count


def test_policy_option_outside_formula_refused(admin, auto):
    with pytest.raises(ValidationError) as exc:
        issue(admin, auto, formula_code="RCO", options=["BG"])
    assert "n'est pas une option" in exc.value.message_dict["guarantees"][0]
    assert not Policy.objects.exists()


def test_policy_missing_object_field_refused(admin, auto):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=admin, product=auto, formula=formula(auto, "RCO"),
                               contact=ContactFactory(organization=admin.organization),
                               insured_object={**VEHICLE, "marque": ""}, effective_date=TODAY)
    assert exc.value.message_dict["insured_object"] == ["Marque : champ obligatoire."]
    assert not Policy.objects.exists()


@pytest.mark.parametrize(("path", "allowed"), [
    (["suspendue"], True), (["resiliee"], True), (["expiree"], True), (["suspendue", "en_vigueur"], True),
    (["suspendue", "resiliee"], True), (["resiliee", "en_vigueur"], False), (["expiree", "suspendue"], False),
    (["renouvelee"], False), (["en_vigueur"], False),
])
def test_policy_transitions(admin, auto, path, allowed):
    policy = issue(admin, auto)
    for step in path[:-1]:
        services.policy_transition(actor=admin, policy=policy, status=step, reason="motif")
    if allowed:
        services.policy_transition(actor=admin, policy=policy, status=path[-1], reason="motif")
        assert policy.status == path[-1]
        assert policy.status_changes.last().to_status == path[-1]
    else:
        before = policy.status
        with pytest.raises(ValidationError) as exc:
            services.policy_transition(actor=admin, policy=policy, status=path[-1], reason="motif")
        assert "status" in exc.value.message_dict
        policy.refresh_from_db()
        assert policy.status == before


def test_cancel_needs_reason(admin, auto):
    policy = issue(admin, auto)
    with pytest.raises(ValidationError) as exc:
        services.policy_cancel(actor=admin, policy=policy, reason=" ")
    assert exc.value.message_dict["reason"] == ["Indiquez le motif."]


def test_endorsement_versions_and_as_of(admin, auto):
    start = TODAY - datetime.timedelta(days=100)
    policy = issue(admin, auto, start=start)
    old_total = policy.total_premium
    with pytest.raises(ValidationError) as exc:
        services.policy_endorse(actor=admin, policy=policy, effective_date=start - datetime.timedelta(days=1),
                                description="Ajout bris de glace", guarantees=[guarantee(auto, "BG")])
    assert "avant la police" in exc.value.message_dict["effective_date"][0]
    assert policy.versions.count() == 1
    change_day = start + datetime.timedelta(days=50)
    endorsement = services.policy_endorse(actor=admin, policy=policy, effective_date=change_day,
                                          description="Ajout bris de glace", guarantees=[guarantee(auto, "BG")])
    assert endorsement.premium_delta == policy.total_premium - old_total > 0
    assert services.policy_as_of(policy=policy, day=start + datetime.timedelta(days=10)).version == 1
    as_of = services.policy_as_of(policy=policy, day=change_day)
    assert as_of.version == 2 and "BG" in [g["code"] for g in as_of.data["guarantees"]]
    assert services.policy_as_of(policy=policy, day=start - datetime.timedelta(days=1)) is None
    extra = policy.instalments.get(label__startswith="Avenant")
    assert extra.amount == endorsement.prorated_delta > 0


def test_renew_links_next_term_once_and_non_renewal(admin, auto):
    policy = issue(admin, auto, start=TODAY - datetime.timedelta(days=340))
    new = services.policy_renew(actor=admin, policy=policy)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.RENEWED and new.previous_policy == policy
    assert new.effective_date == policy.expiry_date + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.policy_renew(actor=admin, policy=policy)
    other = issue(admin, auto)
    with pytest.raises(ValidationError) as exc:
        services.policy_refuse_renewal(actor=admin, policy=other, reason="")
    services.policy_refuse_renewal(actor=admin, policy=other, reason="Client parti à la concurrence")
    with pytest.raises(ValidationError):
        services.policy_renew(actor=admin, policy=other)
    assert exc.value.message_dict["reason"]


def test_policy_edit_needs_permission(editor, auto):
    with pytest.raises(PermissionDenied):
        issue(editor, auto)


# --- Quotes ---------------------------------------------------------------------------------------------

def test_quote_accept_creates_policy_and_refuse_needs_reason(admin, auto):
    contact = ContactFactory(organization=admin.organization)
    quote = services.quote_create(actor=admin, product=auto, formula=formula(auto, "TRI"), contact=contact,
                                  guarantees=[guarantee(auto, "ASS")], insured_object=dict(VEHICLE))
    assert quote.number.startswith("DEV-") and quote.total_premium > 0
    policy = services.quote_accept(actor=admin, quote=quote)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.policy == policy
    assert policy.total_premium == quote.total_premium and policy.contact == contact
    with pytest.raises(ValidationError):
        services.quote_accept(actor=admin, quote=quote)
    second = services.quote_create(actor=admin, product=auto, formula=formula(auto, "RCO"), contact=contact,
                                   insured_object=dict(VEHICLE))
    with pytest.raises(ValidationError) as exc:
        services.quote_refuse(actor=admin, quote=second, reason="")
    assert exc.value.message_dict["reason"] == ["Indiquez le motif du refus."]
    services.quote_refuse(actor=admin, quote=second, reason="Trop cher")
    assert second.status == QuoteStatus.REFUSED


# --- Receivables ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("total", "count", "expected"), [
    ("100.00", 3, ["33.33", "33.33", "33.34"]),
    ("1000.00", 12, ["83.33"] * 11 + ["83.37"]),
    ("0.05", 2, ["0.02", "0.03"]),
    ("5000.00", 1, ["5000.00"]),
])
def test_split_amount_last_takes_remainder(total, count, expected):
    parts = services.split_amount(D(total), count)
    assert parts == [D(e) for e in expected] and sum(parts) == D(total)


def test_payment_allocated_oldest_first_and_excess_refused(admin, auto):
    policy = issue(admin, auto, frequency="trimestriel", start=TODAY - datetime.timedelta(days=100))
    first, second, third, _fourth = policy.instalments.order_by("sequence")
    assert services.instalment_status(first) == InstalmentStatus.UNPAID
    assert services.instalment_status(second) == InstalmentStatus.DUE
    assert services.instalment_status(third) == InstalmentStatus.UPCOMING
    amount = first.amount + D("10.00")
    services.payment_record(actor=admin, policy=policy, amount=amount, method="cib")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_settled and first.status == InstalmentStatus.PAID
    assert second.paid_amount == D("10.00") and second.status == InstalmentStatus.PARTIAL
    due = sum(i.outstanding for i in policy.instalments.all())
    with pytest.raises(ValidationError) as exc:
        services.payment_record(actor=admin, policy=policy, amount=due + D("0.01"), method="especes")
    assert "dépasse le montant dû" in exc.value.message_dict["amount"][0]
    assert Payment.objects.count() == 1
    services.payment_record(actor=admin, policy=policy, amount=due, method="virement")
    assert not policy.instalments.filter(is_settled=False).exists()


def test_payment_needs_permission(editor, admin, auto):
    policy = issue(admin, auto)
    with pytest.raises(PermissionDenied):
        services.payment_record(actor=editor, policy=policy, amount=D("1"), method="especes")


def test_dunning_runs_each_step_once(admin, agent, auto):
    policy = issue(admin, auto, owner=agent, start=TODAY - datetime.timedelta(days=1))
    services.settings_for(admin.organization_id)
    assert services.dunning_run(on=TODAY) == 1  # J+1
    assert services.dunning_run(on=TODAY) == 0
    assert DunningRecord.objects.filter(step=1).count() == 1
    note = Notification.objects.get(user=agent, kind="portfolio.dunning")
    instalment = policy.instalments.first()
    assert (note.event_key, note.object_id, note.content_type.model) == (
        f"dunning:{instalment.pk}:1", policy.contact_id, "contact")
    later = TODAY + datetime.timedelta(days=29)
    assert services.dunning_run(on=later) == 1  # J+30: mise en demeure with a task
    assert services.dunning_run(on=later) == 0
    assert Activity.objects.filter(kind="task", subject__startswith="Mise en demeure").count() == 1
    assert policy.instalments.first().dunning.count() == 2


def test_renewal_tasks_created_once(admin, agent, auto):
    services.settings_for(admin.organization_id)
    soon = issue(admin, auto, owner=agent, start=TODAY - datetime.timedelta(days=350))
    issue(admin, auto, owner=agent)  # expires in a year: not yet
    assert services.renewals_schedule() == 1
    assert services.renewals_schedule() == 0
    task = RenewalTask.objects.get(policy=soon).activity
    assert task.assignee == agent and soon.number in task.subject
    note = Notification.objects.get(user=agent, kind="portfolio.renewal")
    assert (note.event_key, note.object_id) == (f"renewal:{soon.pk}:{soon.expiry_date.isoformat()}",
                                                soon.contact_id)
    # With the sales module, the renewal is in the manager's pipeline too — once.
    from assura.sales.models import Opportunity

    opportunity = Opportunity.objects.get()
    assert (opportunity.kind, opportunity.owner, opportunity.contact_id, opportunity.expected_close_date) == (
        "renouvellement", agent, soon.contact_id, soon.expiry_date)
    assert opportunity.amount == soon.total_premium and soon.number in opportunity.name


# --- Claims ---------------------------------------------------------------------------------------------

def declare(actor, policy, **kw):
    data = {"claim_type": "collision", "loss_date": policy.effective_date + datetime.timedelta(days=2),
            "estimated_amount": D("150000"), **kw}
    return services.claim_declare(actor=actor, policy=policy, **data)


def test_claim_before_policy_refused_and_outside_guarantee_flagged(admin, auto):
    policy = issue(admin, auto)
    with pytest.raises(ValidationError) as exc:
        declare(admin, policy, loss_date=policy.effective_date - datetime.timedelta(days=1))
    assert "précède la prise d'effet" in exc.value.message_dict["loss_date"][0]
    assert not Claim.objects.exists()
    claim = declare(admin, policy, guarantee=guarantee(auto, "VOL"), claim_type="vol")
    assert claim.out_of_cover and "non souscrite" in claim.cover_note
    assert claim.documents == {"plainte": False, "carte_grise": False, "factures": False}
    assert claim.reserve == D("150000")


def test_claim_after_cancellation_flagged(admin, auto):
    policy = issue(admin, auto, start=TODAY - datetime.timedelta(days=20))
    services.policy_cancel(actor=admin, policy=policy, reason="Vente du véhicule",
                           on=TODAY - datetime.timedelta(days=10))
    claim = declare(admin, policy, loss_date=TODAY - datetime.timedelta(days=5))
    assert claim.out_of_cover and "Résiliée" in claim.cover_note


ALL = list(ClaimStatus.values)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_claim_transition_table(admin, auto, source, target):
    claim = declare(admin, issue(admin, auto), )
    Claim.objects.filter(pk=claim.pk).update(status=source, expert="Cabinet Expertise Hamdi",
                                             paid_amount=D("1000"))
    claim.refresh_from_db()
    allowed = target in services.CLAIM_TRANSITIONS[source]
    if allowed:
        services.claim_transition(actor=admin, claim=claim, status=target, reason="motif")
        assert Claim.objects.get(pk=claim.pk).status == target
    else:
        with pytest.raises(ValidationError):
            services.claim_transition(actor=admin, claim=claim, status=target, reason="motif")
        assert Claim.objects.get(pk=claim.pk).status == source


def test_claim_journey_payments_settle_and_notify(admin, agent, auto):
    policy = issue(admin, auto, owner=agent)
    claim = declare(admin, policy)
    with pytest.raises(ValidationError) as exc:
        services.claim_transition(actor=admin, claim=claim, status="refuse")
    assert exc.value.message_dict["reason"] == ["Indiquez le motif."]
    services.claim_transition(actor=admin, claim=claim, status="instruction")
    with pytest.raises(ValidationError) as exc:
        services.claim_transition(actor=admin, claim=claim, status="expertise")
    assert "expert" in exc.value.message_dict
    services.claim_update(actor=admin, claim=claim, expert="Cabinet Hamdi", expert_appointed_on=TODAY)
    services.claim_transition(actor=admin, claim=claim, status="expertise")
    services.claim_transition(actor=admin, claim=claim, status="offre")
    services.claim_payment_record(actor=admin, claim=claim, amount=D("50000"))
    with pytest.raises(ValidationError) as exc:
        services.claim_payment_record(actor=admin, claim=claim, amount=D("100000.01"))
    assert "provision restante" in exc.value.message_dict["amount"][0]
    services.claim_payment_record(actor=admin, claim=claim, amount=D("100000"), is_final=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED and claim.paid_amount == D("150000")
    assert [c.to_status for c in claim.status_changes.all()] == ["declare", "instruction", "expertise", "offre",
                                                                 "regle"]
    notes = Notification.objects.filter(user=agent, kind="portfolio.claim_status")
    assert notes.count() == 4 and {n.object_id for n in notes} == {policy.contact_id}
    assert sorted(n.event_key.split(":")[2] for n in notes) == ["expertise", "instruction", "offre", "regle"]
    assert len(services.claim_durations(claim)) == 4


def test_instalments_copy_visibility_fields(admin, agent, auto):
    policy = issue(admin, auto, owner=agent)
    assert set(Instalment.objects.values_list("owner", "agency")) == {(agent.pk, policy.agency_id)}
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_events_are_noted_on_the_customer_timeline(admin, auto):
    contact = ContactFactory(organization=admin.organization, agency=admin.agency)
    policy = issue(admin, auto, contact=contact)
    services.payment_record(actor=admin, policy=policy, amount=D("100.00"), method="especes")
    claim = declare(admin, policy)
    services.claim_transition(actor=admin, claim=claim, status="instruction")
    subjects = list(Activity.objects.filter(contact=contact, kind="note").values_list("subject", flat=True))
    assert any(s.startswith(f"Police {policy.number} émise") for s in subjects)
    assert f"Encaissement de 100.00 DA — police {policy.number}" in subjects
    assert f"Sinistre {claim.number} déclaré — police {policy.number}" in subjects
    assert f"Sinistre {claim.number} : En instruction" in subjects
