"""Routing rules (category, channel, customer's agency/wilaya, round robin, load) and the triage
model (training on resolved tickets in French and Arabic, held-out accuracy, keyword fallback)."""

import pytest

from assura.core.testing.factories import AgencyFactory, UserFactory
from assura.customers.tests.factories import ContactFactory
from assura.service import services, triage
from assura.service.models import Ticket, TriageModel
from assura.service.tests.factories import CategoryFactory, RoutingRuleFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db


def make(actor, **data):
    data.setdefault("subject", "Question")
    data.setdefault("customer_name", "Client")
    return services.ticket_create(actor=actor, **data)


@pytest.fixture
def teams(org):
    people = [UserFactory(organization=org, email=f"membre{i}@alliance.test") for i in range(3)]
    claims = TeamFactory(organization=org, name="Indemnisations")
    claims.members.set(people)
    front = TeamFactory(organization=org, name="Accueil")
    front.members.set(people[:1])
    return {"people": people, "claims": claims, "front": front}


def test_category_rule_round_robins_within_the_team(admin, org, teams, desk):
    RoutingRuleFactory(organization=org, category=desk["category"], team=teams["claims"], strategy="tour_de_role")
    got = [make(admin, category=desk["category"]).assignee for _ in range(4)]
    people = teams["people"]
    assert got == [people[0], people[1], people[2], people[0]]
    assert all(t.team == teams["claims"] for t in Ticket.objects.all())


def test_load_aware_rule_picks_the_least_busy(admin, org, teams, desk):
    people = teams["people"]
    for _ in range(2):
        TicketFactory(organization=org, assignee=people[0], status="ouvert")
    TicketFactory(organization=org, assignee=people[1], status="ouvert")
    TicketFactory(organization=org, assignee=people[2], status="clos")
    RoutingRuleFactory(organization=org, team=teams["claims"], strategy="charge")
    assert make(admin).assignee == people[2]


def test_rules_by_channel_agency_and_wilaya_first_match_wins(admin, org, teams, desk):
    oran = AgencyFactory(organization=org, number="031-002", wilaya="31")
    RoutingRuleFactory(organization=org, priority=1, channel="agence", team=teams["front"], strategy="equipe")
    RoutingRuleFactory(organization=org, priority=2, agency=oran, team=teams["claims"], strategy="equipe")
    RoutingRuleFactory(organization=org, priority=3, wilaya_id="16", team=teams["front"], strategy="tour_de_role")
    assert make(admin, channel="agence").team == teams["front"]
    oranais = ContactFactory(organization=org, agency=oran)
    by_agency = make(admin, contact=oranais)
    assert (by_agency.team, by_agency.assignee) == (teams["claims"], None)  # team queue, unassigned
    algerois = ContactFactory(organization=org, wilaya_id="16")
    assert make(admin, contact=algerois).assignee == teams["people"][0]
    assert make(admin).team is None  # no rule matches: unassigned queue


def test_the_triage_falls_back_on_keywords(org, desk):
    suggestion = triage.suggest(organization_id=org.pk, text="Demande de REMBOURSEMENT du sinistre")
    assert suggestion.category == desk["category"] and suggestion.source == "mots_cles"
    assert triage.suggest(organization_id=org.pk, text="Bonjour").category is None


FR = {
    "Attestation": ["attestation d'assurance à fournir", "besoin d'une attestation pour mon véhicule",
                    "envoyez-moi l'attestation", "attestation de scolarité assurance"],
    "Résiliation": ["je veux résilier mon contrat", "résiliation de la police habitation",
                    "demande de résiliation à l'échéance", "arrêter mon contrat auto"],
    "Prime": ["erreur sur le montant de la prime", "prime trop élevée cette année", "la prime a augmenté",
              "contestation du montant de prime"],
}
AR = {"Attestation": ["أريد شهادة التأمين", "شهادة تأمين السيارة"],
      "Résiliation": ["أريد إلغاء العقد", "فسخ عقد التأمين"],
      "Prime": ["خطأ في مبلغ القسط", "القسط مرتفع جدا"]}


def test_training_on_resolved_tickets_measures_held_out_accuracy(org, admin):
    categories = {name: CategoryFactory(organization=org, name=name) for name in FR}
    for name, texts in FR.items():
        for i in range(4):
            for text in texts + AR[name]:
                TicketFactory(organization=org, subject=f"{text} {i}", category=categories[name], status="resolu",
                              priority="haute" if name == "Prime" else "normale")
    summary = triage.train(organization_id=org.pk)
    model = TriageModel.objects.get(organization=org)
    assert not summary["fallback"] and model.samples == 72 and model.category_accuracy >= 0.8
    assert triage.suggest(organization_id=org.pk, text="attestation pour la voiture").category == \
        categories["Attestation"]
    arabic = triage.suggest(organization_id=org.pk, text="إلغاء عقد التأمين")
    assert arabic.category == categories["Résiliation"] and arabic.source == "modele"
    assert triage.suggest(organization_id=org.pk, text="montant de la prime").priority == "haute"


def test_too_little_history_keeps_the_keyword_rules(org, desk):
    for i in range(5):
        TicketFactory(organization=org, subject=f"x {i}", category=desk["category"], status="resolu")
    assert triage.train(organization_id=org.pk)["fallback"] is True
    assert not TriageModel.objects.exists()


def test_a_suggestion_is_applied_only_by_an_agent(agent, desk):
    ticket = make(agent, subject="remboursement en retard", assignee=agent)
    assert ticket.category is None and ticket.suggested_category == desk["category"]
    services.suggestion_accept(actor=agent, ticket=ticket)
    assert ticket.category == desk["category"]


def test_training_job_and_admin_page(client, admin, org, django_capture_on_commit_callbacks, settings):
    from django.urls import reverse

    from assura.core.jobs import job_run
    from assura.core.models import Job

    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("service:triage"))
    job = Job.objects.get(kind="service.triage_train")
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["fallback"] is True
    assert "mots-clés" in client.get(reverse("service:triage")).content.decode()
