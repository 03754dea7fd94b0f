"""Pages of the leads app: forms with errors beside the field, list (filters, search,
query counts, recently viewed), detail, pipeline buttons, conversion, assignment rules."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.activities.tests.factories import ActivityFactory
from assura.core.models import RecentView
from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Contact, Relationship
from assura.customers.tests.factories import ContactFactory
from assura.leads import services
from assura.leads.models import AssignmentRule, Lead
from assura.leads.tests.factories import AssignmentRuleFactory, LeadFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, name: str) -> str:
    match = re.search(rf'<div class="invalid-feedback d-block" id="id_{name}_error" data-testid="error-{name}">'
                      r"(.*?)</div></div>", response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def table_rows(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


# --- Create and edit -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "", "source": "site_web"}, "full_name", "Ce champ est obligatoire."),
        ({"full_name": "Yacine Belkacem", "source": ""}, "source", "Ce champ est obligatoire."),
        ({"full_name": "Yacine Belkacem", "source": "site_web", "phone": "0123"}, "phone",
         "Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."),
        ({"full_name": "Yacine Belkacem", "source": "site_web", "email": "yacine@"}, "email",
         "Saisissez une adresse e-mail valide."),
    ],
    ids=["name-missing", "source-missing", "bad-phone", "bad-email"],
)
def test_create_page_shows_the_error_beside_the_field(agent_client, data, field, message):
    response = agent_client.post("/leads/new/", data)

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert 'data-testid="form-errors"' in response.content.decode()
    assert Lead.objects.count() == 0


def test_create_page_creates_the_lead_and_opens_it(agent_client, agent):
    response = agent_client.post("/leads/new/", {
        "full_name": "Yacine Belkacem", "company": "SARL Atlas", "phone": "0661 23 45 67", "source": "salon",
        "budget": "eleve", "interest": "eleve", "decision_timeframe": "immediat",
    })

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.phone, lead.owner, lead.agency, lead.temperature) == ("+213661234567", agent, agent.agency, "chaud")


def test_a_lead_given_by_the_rules_out_of_sight_sends_back_to_the_list(agent_client, org):
    elsewhere = f.AgencyFactory(organization=org, number="031-005")
    oran_agent = f.UserFactory(organization=org, agency=elsewhere, role=Role.USER, first_name="Omar",
                               last_name="Zerrouki")
    AssignmentRuleFactory(organization=org, mode="round_robin").users.set([oran_agent])

    response = agent_client.post("/leads/new/", {"full_name": "Yacine Belkacem", "source": "site_web"}, follow=True)

    assert response.redirect_chain == [("/leads/", 302)]
    assert "Piste attribuée à Omar Zerrouki." in text(response)
    assert (Lead.objects.get().owner, Lead.objects.get().agency) == (oran_agent, elsewhere)


def test_edit_page_shows_a_hand_set_temperature_and_automatic_otherwise(admin_client, admin):
    automatic = services.lead_create(actor=admin, full_name="Auto", source="site_web", interest="eleve")
    manual = services.lead_create(actor=admin, full_name="Manuel", source="site_web", temperature="chaud")

    auto_page = text(admin_client.get(f"/leads/{automatic.pk}/edit/"))
    manual_page = text(admin_client.get(f"/leads/{manual.pk}/edit/"))

    assert re.search(r'<option value="" selected>Automatique', auto_page)
    assert re.search(r'<option value="chaud" selected>Chaud', manual_page)


def test_edit_page_saves_and_records_history(admin_client, admin):
    lead = services.lead_create(actor=admin, full_name="Yacine Belkacem", source="site_web")

    response = admin_client.post(f"/leads/{lead.pk}/edit/", {
        "full_name": "Yacine Belkacem", "source": "parrainage", "company": "Atlas", "owner": admin.pk,
    })

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.source, lead.company) == ("parrainage", "Atlas")
    page = text(admin_client.get(f"/leads/{lead.pk}/"))
    assert "Source : Site web → Parrainage" in " ".join(re.sub(r"<[^>]+>", " ", page).split())


# --- List -------------------------------------------------------------------------------------------

def test_list_searches_without_accents_and_by_phone_and_filters(admin_client, admin, agency):
    services.lead_create(actor=admin, full_name="Aïssani Ilyès", source="site_web", phone="0550 12 34 56")
    services.lead_create(actor=admin, full_name="Benali Karim", source="salon", temperature="chaud")

    assert [r.split(" ")[:2] for r in table_rows(admin_client.get("/leads/?q=aissani"))] == [["Aïssani", "Ilyès"]]
    assert [r.split(" ")[:2] for r in table_rows(admin_client.get("/leads/?q=0550.12.34.56"))] == [
        ["Aïssani", "Ilyès"]]
    assert [r.split(" ")[:2] for r in table_rows(admin_client.get("/leads/?temperature=chaud"))] == [
        ["Benali", "Karim"]]
    assert [r.split(" ")[:2] for r in table_rows(admin_client.get("/leads/?source=salon&status=nouveau"))] == [
        ["Benali", "Karim"]]
    assert len(table_rows(admin_client.get(f"/leads/?agency={agency.pk}&created_from=2000-01-01"))) == 2


def test_list_sorts_by_name(admin_client, org):
    for name in ("Zeroual", "Amrani", "Mansouri"):
        LeadFactory(organization=org, full_name=name)

    response = admin_client.get("/leads/?ordering=full_name")

    assert [r.split(" ")[0] for r in table_rows(response)] == ["Amrani", "Mansouri", "Zeroual"]


def _list_queries(client) -> int:
    client.get("/leads/?ordering=owner")  # filter choices read once after a change, then cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/leads/?ordering=owner")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(agent_client, org, agency, agent):
    owners = [f.UserFactory(organization=org, agency=agency) for _ in range(3)]
    LeadFactory.create_batch(5, organization=org, agency=agency, owner=owners[0])
    few = _list_queries(agent_client)

    for i in range(35):
        LeadFactory(organization=org, agency=f.AgencyFactory(organization=org) if i % 2 else agency,
                    owner=owners[i % 3] if i % 2 else agent)
    many = _list_queries(agent_client)

    assert few == many


def test_detail_is_remembered_in_recently_viewed(agent_client, agent, org, agency):
    first = LeadFactory(organization=org, agency=agency, full_name="Nadia Kaci")
    LeadFactory(organization=org, agency=agency, full_name="Omar Zerrouki")
    empty = text(agent_client.get("/leads/"))
    assert "Vous n'avez consulté aucune piste récemment." in empty

    agent_client.get(f"/leads/{first.pk}/")
    page = agent_client.get("/leads/")

    block = re.search(r'data-testid="recent-leads">(.*?)</section>', page.content.decode(), re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', block) == [(f"/leads/{first.pk}/", "Nadia Kaci")]
    assert RecentView.objects.filter(user=agent).count() == 1


# --- Detail and pipeline -----------------------------------------------------------------------------

def test_detail_shows_qualification_and_timeline(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web", budget="eleve",
                                interest="moyen", decision_timeframe="3_mois")
    ActivityFactory(organization=agent.organization, lead=lead, assignee=agent, subject="Premier appel")

    page = " ".join(re.sub(r"<[^>]+>", " ", text(agent_client.get(f"/leads/{lead.pk}/"))).split())

    assert "Score 4 / 8" in page
    assert "Tiède selon la qualification" in page
    assert "Premier appel" in page
    assert "Passer à « Contacté »" in page


def test_status_button_moves_the_lead(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    response = agent_client.post(f"/leads/{lead.pk}/status/", {"status": "contacte"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "contacte"


def test_a_refused_transition_is_a_message_not_an_error(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    response = agent_client.post(f"/leads/{lead.pk}/status/", {"status": "qualifie"}, follow=True)

    assert "Une piste « Nouveau » ne peut pas passer à « Qualifié »." in text(response)
    lead.refresh_from_db()
    assert lead.status == "nouveau"


def test_lose_page_requires_a_reason(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    response = agent_client.post(f"/leads/{lead.pk}/lose/", {"lost_reason": ""})

    assert field_error(response, "lost_reason") == "Indiquez la raison de la perte."
    lead.refresh_from_db()
    assert lead.status == "nouveau"

    agent_client.post(f"/leads/{lead.pk}/lose/", {"lost_reason": "prix"})
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("perdu", "prix")


# --- Conversion ------------------------------------------------------------------------------------

def test_convert_page_proposes_matches_first_and_links_the_chosen_contact(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web", phone="0661234567",
                                company="SARL Atlas", job_title="Comptable")
    existing = ContactFactory(organization=agent.organization, agency=agent.agency, last_name="Belkacem",
                              phone="+213661234567")

    page = agent_client.get(f"/leads/{lead.pk}/convert/")

    assert page.status_code == 200
    content = page.content.decode()
    assert re.search(rf'type="radio" name="contact" value="{existing.pk}" checked', content)
    assert 'value="new" data-testid="account-new" checked' in content

    response = agent_client.post(f"/leads/{lead.pk}/convert/", {
        "contact": existing.pk, "account": "new", "relation_kind": "employe",
    })

    assert response.status_code == 302
    assert response["Location"] == existing.get_absolute_url()
    lead.refresh_from_db()
    assert (lead.status, lead.converted_contact) == ("converti", existing)
    assert list(Relationship.objects.values_list("contact_id", "account__name", "kind")) == [
        (existing.pk, "SARL Atlas", "employe"),
    ]


def test_convert_page_creates_a_new_contact(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Nadia Kaci", source="site_web")

    response = agent_client.post(f"/leads/{lead.pk}/convert/", {
        "contact": "new", "account": "none", "relation_kind": "employe",
    })

    contact = Contact.objects.get()
    assert response["Location"] == contact.get_absolute_url()
    assert (contact.first_name, contact.last_name, contact.owner) == ("Nadia", "Kaci", agent)


def test_a_converted_lead_sends_back_to_its_page(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Nadia Kaci", source="site_web")
    services.lead_convert(actor=agent, lead=lead)

    response = agent_client.get(f"/leads/{lead.pk}/convert/", follow=True)

    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert "Cette piste a déjà été convertie." in text(response)


def test_converting_twice_from_a_stale_page_shows_the_error(agent_client, agent):
    lead = services.lead_create(actor=agent, full_name="Nadia Kaci", source="site_web")
    services.lead_convert(actor=agent, lead=lead)
    lead.converted_at = None  # the page was opened before the first conversion
    Lead.objects.filter(pk=lead.pk).update(status="nouveau")  # …and shows the lead as it was then

    response = agent_client.post(f"/leads/{lead.pk}/convert/", {
        "contact": "new", "account": "none", "relation_kind": "employe",
    })

    assert response.status_code == 200
    assert "Cette piste a déjà été convertie." in text(response)
    assert Contact.objects.count() == 1


# --- Assignment rules ----------------------------------------------------------------------------------

def test_rules_pages_create_edit_and_delete(admin_client, org, agency):
    team = [f.UserFactory(organization=org, agency=agency, role=Role.USER) for _ in range(2)]

    response = admin_client.post("/leads/rules/new/", {"mode": "agence", "priority": "", "users": []})
    assert field_error(response, "priority") == "Ce champ est obligatoire."
    response = admin_client.post("/leads/rules/new/", {"mode": "agence", "priority": "10", "users": []})
    assert field_error(response, "agency") == "Choisissez l'agence dont les pistes sont attribuées par cette règle."
    assert AssignmentRule.objects.count() == 0

    response = admin_client.post("/leads/rules/new/", {
        "mode": "round_robin", "priority": "10", "users": [u.pk for u in team], "is_active": "on",
    })
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.mode, rule.priority, set(rule.users.all())) == ("round_robin", 10, set(team))

    rows = table_rows(admin_client.get("/leads/rules/"))
    assert rows == [f"10 Tour de rôle — — {team[0]}, {team[1]} Oui"] or rows == [
        f"10 Tour de rôle — — {team[1]}, {team[0]} Oui"]

    admin_client.post(f"/leads/rules/{rule.pk}/edit/", {"mode": "agence", "priority": "5", "agency": agency.pk})
    rule.refresh_from_db()
    assert (rule.mode, rule.agency, rule.users.count()) == ("agence", agency, 0)

    admin_client.post(f"/leads/rules/{rule.pk}/delete/")
    assert AssignmentRule.objects.count() == 0


def test_rule_list_query_count_is_constant(admin_client, org, agency):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/leads/rules/").status_code == 200
        return len(ctx.captured_queries)

    users = [f.UserFactory(organization=org) for _ in range(3)]
    AssignmentRuleFactory(organization=org).users.set(users)
    few = count()
    for _ in range(8):
        AssignmentRuleFactory(organization=org, mode="agence", agency=agency).users.set(users)

    assert count() == few
