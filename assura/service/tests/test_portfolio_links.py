"""Tickets linked to a policy and a claim: resolution from the typed numbers, checks of a chosen
policy / claim (company, customer, claim on the policy), the data migration, the API, the ticket
form's pickers, the ticket page and the tickets sections of the policy and claim pages."""

import html
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from assura.customers.tests.factories import ContactFactory
from assura.portfolio.choices import ClaimStatus
from assura.portfolio.tests.factories import make_claim, make_policy
from assura.service import services
from assura.service.models import Ticket

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def book(org, other_org, agent):
    """Karima's policy with a claim, another policy of hers, Omar's policy, and a policy of the other company
    bearing Karima's number."""
    karima = ContactFactory(organization=org, email="karima@example.dz", agency=agent.agency, owner=agent)
    omar = ContactFactory(organization=org, email="omar@example.dz", agency=agent.agency, owner=agent)
    policy = make_policy(org, contact=karima, owner=agent, agency=agent.agency, number="AUT-2026-000100")
    claim = make_claim(org, policy=policy, owner=agent, agency=agent.agency, status=ClaimStatus.EXPERTISE)
    second = make_policy(org, contact=karima, owner=agent, agency=agent.agency, number="AUT-2026-000101")
    omars = make_policy(org, contact=omar, owner=agent, agency=agent.agency, number="AUT-2026-000200")
    foreign = make_policy(other_org, number="AUT-2026-000300")
    return {"karima": karima, "omar": omar, "policy": policy, "claim": claim, "second": second, "omars": omars,
            "foreign": foreign}


def make(actor, **data):
    data.setdefault("subject", "Question sur mon contrat")
    return services.ticket_create(actor=actor, **data)


# --- Services ------------------------------------------------------------------------------------

def test_typed_numbers_link_the_customers_policy_and_claim(agent, desk, book):
    ticket = make(agent, contact=book["karima"], policy_number=" aut-2026-000100 ", claim_number=book["claim"].number)

    assert (ticket.policy, ticket.claim) == (book["policy"], book["claim"])
    assert ticket.policy_number == "aut-2026-000100"  # the customer's words are kept


def test_a_claim_number_alone_brings_its_policy(agent, desk, book):
    ticket = make(agent, contact=book["karima"], claim_number=book["claim"].number)

    assert (ticket.policy, ticket.claim, ticket.policy_number) == (book["policy"], book["claim"], "AUT-2026-000100")


@pytest.mark.parametrize("number", ["AUT-2026-000200", "AUT-2026-000300", "AUT-9999-000000"])
def test_a_number_of_another_customer_or_company_or_unknown_stays_text(agent, desk, book, number):
    ticket = make(agent, contact=book["karima"], policy_number=number)

    assert ticket.policy is None and ticket.policy_number == number


def test_without_a_customer_the_number_links_any_policy_of_the_company(agent, desk, book):
    ticket = make(agent, customer_email="inconnu@example.dz", policy_number="AUT-2026-000200")
    assert ticket.policy == book["omars"]
    assert make(agent, customer_email="x@example.dz", policy_number="AUT-2026-000300").policy is None


def test_a_claim_number_that_contradicts_the_policy_is_not_linked(agent, desk, book):
    ticket = make(agent, contact=book["karima"], policy_number="AUT-2026-000101", claim_number=book["claim"].number)
    assert (ticket.policy, ticket.claim) == (book["second"], None)


@pytest.mark.parametrize(("field", "choice", "message"), [
    ("policy", "foreign", "Cette police n'existe pas dans votre entreprise."),
    ("policy", "omars", "Cette police n'appartient pas au client du ticket."),
])
def test_a_chosen_policy_is_checked(agent, desk, book, field, choice, message):
    before = Ticket.objects.count()
    with pytest.raises(ValidationError) as exc:
        make(agent, contact=book["karima"], policy=book[choice])
    assert exc.value.message_dict == {field: [message]}
    assert Ticket.objects.count() == before


def test_a_chosen_claim_must_be_on_the_chosen_policy(agent, desk, book, other_org):
    with pytest.raises(ValidationError) as exc:
        make(agent, contact=book["karima"], policy=book["second"], claim=book["claim"])
    assert exc.value.message_dict == {"claim": ["Ce sinistre relève d'une autre police que celle choisie."]}
    with pytest.raises(ValidationError) as exc:
        make(agent, contact=book["karima"], claim=make_claim(other_org))
    assert exc.value.message_dict == {"claim": ["Ce sinistre n'existe pas dans votre entreprise."]}


def test_update_keeps_a_chosen_link_and_checks_a_new_one(agent, desk, book):
    ticket = make(agent, contact=book["karima"], policy=book["policy"], claim=book["claim"])
    assert ticket.policy_number == "AUT-2026-000100" and ticket.claim_number == book["claim"].number

    services.ticket_update(actor=agent, ticket=ticket, subject="Nouvel objet")
    ticket.refresh_from_db()
    assert (ticket.policy, ticket.claim) == (book["policy"], book["claim"])

    with pytest.raises(ValidationError) as exc:
        services.ticket_update(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), policy=book["omars"])
    assert "policy" in exc.value.message_dict
    ticket.refresh_from_db()
    assert ticket.policy == book["policy"]


def test_another_customer_drops_the_links_that_no_longer_fit(agent, desk, book):
    ticket = make(agent, contact=book["karima"], policy_number="AUT-2026-000100")
    services.ticket_update(actor=agent, ticket=ticket, contact=book["omar"])
    ticket.refresh_from_db()
    assert ticket.policy is None and ticket.policy_number == "AUT-2026-000100"


def test_claim_status_fills_the_reply_template_placeholder(agent, desk, book):
    ticket = make(agent, contact=book["karima"], claim=book["claim"])
    assert services.template_values(ticket)["statut_sinistre"] == "En expertise"


def test_the_data_migration_links_existing_rows_by_company_and_customer(agent, desk, book, other_admin):
    fits = make(agent, contact=book["karima"])
    other_customer = make(agent, contact=book["karima"])
    no_customer = make(agent, customer_name="Sans fiche")
    foreign = services.ticket_create(actor=other_admin, subject="Atlas", customer_name="Client Atlas")
    Ticket.objects.filter(pk=fits.pk).update(policy_number="aut-2026-000100", claim_number=book["claim"].number)
    Ticket.objects.filter(pk=other_customer.pk).update(policy_number="AUT-2026-000200")
    Ticket.objects.filter(pk=no_customer.pk).update(policy_number="AUT-2026-000101")
    Ticket.objects.filter(pk=foreign.pk).update(policy_number="AUT-2026-000100")
    migration = importlib.import_module("assura.service.migrations.0003_ticket_links_from_numbers")

    migration._link(django_apps, None)
    migration._link(django_apps, None)  # a re-run changes nothing

    rows = {t.pk: (t.policy_id, t.claim_id) for t in Ticket.objects.all()}
    assert rows[fits.pk] == (book["policy"].pk, book["claim"].pk)
    assert rows[other_customer.pk] == (None, None)
    assert rows[no_customer.pk] == (book["second"].pk, None)
    assert rows[foreign.pk] == (None, None)


# --- API -------------------------------------------------------------------------------------------

def test_api_writes_and_reads_policy_and_claim(agent, desk, book):
    client = api(agent)
    response = client.post("/api/v1/tickets/", {"subject": "Sinistre", "contact": book["karima"].pk,
                                                "policy": book["policy"].pk, "claim": book["claim"].pk},
                           format="json")
    assert response.status_code == 201, response.content
    body = client.get(f"/api/v1/tickets/{response.json()['id']}/").json()
    assert (body["policy"], body["claim"], body["policy_number"]) == \
        (book["policy"].pk, book["claim"].pk, "AUT-2026-000100")


def test_api_refuses_another_companys_policy_with_a_400(agent, desk, book):
    before = Ticket.objects.count()
    response = api(agent).post("/api/v1/tickets/", {"subject": "Sinistre", "contact": book["karima"].pk,
                                                    "policy": book["foreign"].pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["policy"]
    assert Ticket.objects.count() == before


def test_api_field_errors_for_another_customer_and_a_mismatched_claim(agent, desk, book):
    client = api(agent)
    ticket = make(agent, contact=book["karima"])
    wrong_customer = client.patch(f"/api/v1/tickets/{ticket.pk}/", {"policy": book["omars"].pk}, format="json")
    assert wrong_customer.status_code == 400
    assert wrong_customer.json() == {"policy": ["Cette police n'appartient pas au client du ticket."]}
    mismatch = client.patch(f"/api/v1/tickets/{ticket.pk}/", {"policy": book["second"].pk,
                                                              "claim": book["claim"].pk}, format="json")
    assert mismatch.status_code == 400
    assert mismatch.json() == {"claim": ["Ce sinistre relève d'une autre police que celle choisie."]}
    ticket.refresh_from_db()
    assert (ticket.policy, ticket.claim) == (None, None)


def test_schema_documents_policy_and_claim(admin):
    schema = api(admin).get("/api/v1/schema/", {"format": "json"}).json()
    ticket = schema["components"]["schemas"]["Ticket"]["properties"]
    assert ticket["policy"]["type"] == "integer" and ticket["claim"]["type"] == "integer"
    assert "readOnly" not in ticket["policy"]


# --- Pages -------------------------------------------------------------------------------------------

def test_edit_form_offers_only_the_customers_policies_and_claims(client, agent, desk, book):
    ticket = make(agent, contact=book["karima"], assignee=agent)
    client.force_login(agent)
    page = text(client.get(reverse("service:ticket_update", args=[ticket.pk])))
    picker = page[page.index('name="policy"'):page.index("</select>", page.index('name="policy"'))]
    assert "AUT-2026-000100" in picker and "AUT-2026-000101" in picker
    assert "AUT-2026-000200" not in picker and "AUT-2026-000300" not in picker
    claims = page[page.index('name="claim"'):page.index("</select>", page.index('name="claim"'))]
    assert book["claim"].number in claims


def test_posting_another_customers_policy_on_the_form_changes_nothing(client, agent, desk, book):
    ticket = make(agent, contact=book["karima"], assignee=agent)
    client.force_login(agent)
    response = client.post(reverse("service:ticket_update", args=[ticket.pk]), {
        "subject": ticket.subject, "kind": "demande", "channel": "telephone", "priority": "normale",
        "target": f"contact:{book['karima'].pk}", "policy": book["omars"].pk})
    assert response.status_code == 200  # the form again, with its error
    assert "policy" in response.context["form"].errors
    ticket.refresh_from_db()
    assert ticket.policy is None

    response = client.post(reverse("service:ticket_update", args=[ticket.pk]), {
        "subject": ticket.subject, "kind": "demande", "channel": "telephone", "priority": "normale",
        "target": f"contact:{book['karima'].pk}", "policy": book["policy"].pk, "claim": book["claim"].pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.policy, ticket.claim) == (book["policy"], book["claim"])


def test_ticket_page_links_policy_and_claim_in_constant_queries(client, agent, desk, book,
                                                                 django_assert_max_num_queries):
    ticket = make(agent, contact=book["karima"], assignee=agent, policy=book["policy"], claim=book["claim"])
    client.force_login(agent)
    with django_assert_max_num_queries(42):
        body = text(client.get(ticket.get_absolute_url()))
    assert f'data-testid="ticket-policy"><a href="{book["policy"].get_absolute_url()}">AUT-2026-000100</a>' in body
    assert f'href="{book["claim"].get_absolute_url()}">{book["claim"].number}</a>' in body


def test_a_linked_policy_the_user_may_not_see_is_plain_text(client, org, agent, desk, book, admin):
    from assura.core.models import Visibility

    org.user_visibility = Visibility.OWN
    org.save()
    hidden = make_policy(org, contact=book["karima"], owner=admin, number="AUT-2026-000999")
    ticket = make(agent, contact=book["karima"], assignee=agent, policy=hidden)
    client.force_login(agent)
    body = text(client.get(ticket.get_absolute_url()))
    assert 'data-testid="ticket-policy">AUT-2026-000999</dd>' in body


def test_policy_page_lists_its_tickets_in_fixed_queries(client, agent, admin, desk, book,
                                                        django_assert_max_num_queries):
    client.force_login(admin)
    url = reverse("portfolio:policy_detail", args=[book["policy"].pk]) + "?tab=tickets"
    make(agent, contact=book["karima"], policy=book["policy"], subject="Première")
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    for i in range(8):
        make(agent, contact=book["karima"], policy=book["policy"], subject=f"Demande {i}")
    make(agent, contact=book["karima"], policy=book["second"], subject="Autre police")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    body = text(response)
    assert response.status_code == 200 and 'data-testid="tab-tickets"' in body
    assert "Demande 7" in body and "Première" in body and "Autre police" not in body
    assert 'data-testid="linked-tickets-count">9<' in body


def test_claim_page_lists_its_tickets_in_fixed_queries(client, agent, admin, desk, book,
                                                       django_assert_max_num_queries):
    client.force_login(admin)
    url = reverse("portfolio:claim_detail", args=[book["claim"].pk])
    with django_assert_max_num_queries(40) as empty:
        body = text(client.get(url))
    assert "Aucun ticket n'est lié à ce dossier." in body
    for i in range(5):
        make(agent, contact=book["karima"], claim=book["claim"], subject=f"Expertise {i}")
    with django_assert_max_num_queries(len(empty.captured_queries)):
        body = text(client.get(url))
    assert "Expertise 4" in body and 'data-testid="linked-tickets-count">5<' in body


def test_sections_show_only_the_tickets_the_user_may_see(client, org, agent, admin, desk, book):
    from assura.core.models import Visibility

    org.user_visibility = Visibility.OWN
    org.save()
    make(admin, contact=book["karima"], claim=book["claim"], subject="Suivi par l'admin", assignee=admin,
         team=None)
    make(agent, contact=book["karima"], claim=book["claim"], subject="Le mien", assignee=agent)
    client.force_login(agent)
    body = text(client.get(reverse("portfolio:claim_detail", args=[book["claim"].pk])))
    assert "Le mien" in body and "Suivi par l'admin" not in body


def test_other_company_cannot_open_the_policy_page(client, other_admin, book):
    client.force_login(other_admin)
    assert client.get(reverse("portfolio:policy_detail", args=[book["policy"].pk]) + "?tab=tickets"
                      ).status_code == 404
