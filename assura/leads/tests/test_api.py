"""The leads API: list with ?q=, filters and ordering; create/update through the services
(400 field errors); transition; conversion proposals; convert (once; 400 the second time)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.activities.tests.factories import ActivityFactory
from assura.customers.models import Account, Contact, Relationship
from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.leads import services
from assura.leads.models import Lead
from assura.leads.tests.factories import LeadFactory

JSON = "application/json"


@pytest.fixture
def api(client, agent):
    client.force_login(agent)
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["full_name"] for r in response.json()["results"]]


def test_list_searches_filters_and_orders(api, agent):
    services.lead_create(actor=agent, full_name="Aïssani Ilyès", source="site_web", phone="0550 12 34 56",
                         company="Atlas")
    services.lead_create(actor=agent, full_name="Benali Karim", source="salon", temperature="chaud")
    services.lead_create(actor=agent, full_name="Zeroual Omar", source="salon")

    assert names(api.get("/api/v1/leads/?q=AISSANI")) == ["Aïssani Ilyès"]
    assert names(api.get("/api/v1/leads/?q=+213 550 12 34 56")) == ["Aïssani Ilyès"]
    assert names(api.get("/api/v1/leads/?source=salon&ordering=full_name")) == ["Benali Karim", "Zeroual Omar"]
    assert names(api.get("/api/v1/leads/?temperature=chaud")) == ["Benali Karim"]
    assert names(api.get("/api/v1/leads/?ordering=-full_name")) == ["Zeroual Omar", "Benali Karim", "Aïssani Ilyès"]
    body = api.get("/api/v1/leads/?q=atlas").json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)


def test_list_query_count_does_not_grow(api, org, agent):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/leads/").status_code == 200
        return len(ctx.captured_queries)

    LeadFactory.create_batch(3, organization=org, owner=agent)
    few = count()
    LeadFactory.create_batch(30, organization=org, owner=agent)
    assert count() == few


def test_create_normalises_computes_the_temperature_and_assigns(api, agent):
    response = api.post("/api/v1/leads/", {
        "full_name": "Yacine Belkacem", "source": "comparateur", "phone": "0661 23 45 67", "email": "Y@Atlas.DZ",
        "wilaya": "16", "budget": "eleve", "interest": "eleve", "decision_timeframe": "1_mois",
    }, content_type=JSON)

    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get()
    assert {k: body[k] for k in ("id", "phone", "email", "wilaya", "temperature", "temperature_label", "status",
                                 "owner", "agency")} == {
        "id": lead.pk, "phone": "+213661234567", "email": "y@atlas.dz", "wilaya": "16", "temperature": "chaud",
        "temperature_label": "Chaud", "status": "nouveau", "owner": agent.pk, "agency": agent.agency_id,
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"full_name": "Yacine", "source": "site_web", "phone": "123"},
         {"phone": ["Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."]}),
        ({"source": "site_web"}, {"full_name": ["Ce champ est obligatoire."]}),
        ({"full_name": "Yacine", "source": "site_web", "budget": "enorme"},
         {"budget": ["«\xa0enorme\xa0» n'est pas un choix valide."]}),
        ({"full_name": "Yacine", "source": "site_web", "wilaya": "99"},
         {"wilaya": ["Clé primaire «\xa099\xa0» non valide - l'objet n'existe pas."]}),
    ],
    ids=["bad-phone", "no-name", "bad-level", "unknown-wilaya"],
)
def test_create_with_bad_input_is_400_with_field_errors(api, payload, errors):
    response = api.post("/api/v1/leads/", payload, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == errors
    assert Lead.objects.count() == 0


def test_another_company_agency_or_owner_is_an_invalid_choice(api, other_admin):
    response = api.post("/api/v1/leads/", {"full_name": "Yacine", "source": "site_web", "owner": other_admin.pk,
                                           "agency": other_admin.agency_id}, content_type=JSON)

    assert response.status_code == 400
    assert set(response.json()) == {"owner", "agency"}
    assert Lead.objects.count() == 0


def test_patch_updates_through_the_service(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"interest": "eleve", "relevance": "eleve",
                                                       "decision_timeframe": "immediat"}, content_type=JSON)

    assert response.status_code == 200
    assert (response.json()["temperature"], response.json()["full_name"]) == ("chaud", "Yacine Belkacem")
    lead.refresh_from_db()
    assert lead.temperature == "chaud"


def test_status_cannot_be_written_directly(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    api.patch(f"/api/v1/leads/{lead.pk}/", {"status": "converti"}, content_type=JSON)

    lead.refresh_from_db()
    assert lead.status == "nouveau"


def test_transition_endpoint(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    missing_reason = api.post(f"/api/v1/leads/{lead.pk}/transition/", {"status": "perdu"}, content_type=JSON)
    lost = api.post(f"/api/v1/leads/{lead.pk}/transition/", {"status": "perdu", "lost_reason": "prix"},
                    content_type=JSON)

    assert (missing_reason.status_code, missing_reason.json()) == (
        400, {"lost_reason": ["Indiquez la raison de la perte."]})
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("perdu", "prix")


def test_conversion_proposals_endpoint(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web", phone="0661234567",
                                company="SARL Atlas")
    contact = ContactFactory(organization=agent.organization, owner=agent, phone="+213661234567", code="C00000042")
    account = AccountFactory(organization=agent.organization, owner=agent, name="SARL ATLAS", nif="")

    response = api.get(f"/api/v1/leads/{lead.pk}/conversion-proposals/")

    assert response.json() == {
        "contacts": [{"id": contact.pk, "code": "C00000042", "name": str(contact), "phone": "+213661234567",
                      "email": "", "score": 50, "reasons": ["phone"]}],
        "accounts": [{"id": account.pk, "name": "SARL ATLAS", "nif": ""}],
    }


def test_convert_creates_contact_and_account_and_returns_their_ids(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web", company="SARL Atlas")
    ActivityFactory(organization=agent.organization, lead=lead, assignee=agent)

    response = api.post(f"/api/v1/leads/{lead.pk}/convert/", {"contact": None, "account": None,
                                                                "create_account": True}, content_type=JSON)

    assert response.status_code == 200, response.content
    contact, account = Contact.objects.get(), Account.objects.get()
    assert response.json() == {"lead": lead.pk, "contact": contact.pk, "account": account.pk,
                               "contact_created": True, "account_created": True}
    assert Relationship.objects.filter(contact=contact, account=account, kind="employe").count() == 1
    assert contact.activities.count() == 1


def test_convert_links_an_existing_contact_without_account(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")
    existing = ContactFactory(organization=agent.organization, owner=agent)

    response = api.post(f"/api/v1/leads/{lead.pk}/convert/", {"contact": existing.pk}, content_type=JSON)

    assert response.json() == {"lead": lead.pk, "contact": existing.pk, "account": None,
                               "contact_created": False, "account_created": False}
    assert Contact.objects.count() == 1


def test_converting_twice_is_400_and_changes_nothing(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")
    api.post(f"/api/v1/leads/{lead.pk}/convert/", {}, content_type=JSON)
    state = Lead.objects.filter(pk=lead.pk).values().get()

    response = api.post(f"/api/v1/leads/{lead.pk}/convert/", {"create_account": True}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Cette piste a déjà été convertie."]}
    assert Lead.objects.filter(pk=lead.pk).values().get() == state
    assert (Contact.objects.count(), Account.objects.count()) == (1, 0)


def test_convert_with_another_company_contact_is_400(api, agent, other_org):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")
    foreign = ContactFactory(organization=other_org)

    response = api.post(f"/api/v1/leads/{lead.pk}/convert/", {"contact": foreign.pk}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"contact": [f"Clé primaire «\xa0{foreign.pk}\xa0» non valide - l'objet n'existe pas."]}
    lead.refresh_from_db()
    assert lead.status == "nouveau"


def test_convert_without_company_but_create_account_is_400(api, agent):
    lead = services.lead_create(actor=agent, full_name="Yacine Belkacem", source="site_web")

    response = api.post(f"/api/v1/leads/{lead.pk}/convert/", {"create_account": True}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"create_account": [
        "La piste n'indique pas de société : choisissez un compte existant ou ne créez pas de compte."
    ]}
    assert Contact.objects.count() == 0
