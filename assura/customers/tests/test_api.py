"""The customers API: shape, normalised search, filters, ordering, writes through the services
(400 field errors, duplicates listed on creation), 404 across companies, constant queries."""

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from assura.core.models import FieldChange
from assura.customers import services
from assura.customers.models import Contact, Relationship
from assura.customers.tests.factories import AccountFactory, ConsentFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def last_names(response) -> list[str]:
    return [row["last_name"] for row in response.json()["results"]]


# --- Reading ------------------------------------------------------------------------------------

def test_contact_list_shape(admin, org, agency):
    contact = services.contact_create(
        actor=admin, last_name="Benali", first_name="Sara", last_name_ar="بن علي", nin="123456789012345678",
        phones=[{"type": "mobile", "number": "0550 12 34 56"}], email="sara@exemple.dz", wilaya=None,
        tags=services.tags_ensure(actor=admin, names=["VIP"]), segment="premium",
    )
    ConsentFactory(organization=org, contact=contact, channel="sms", granted=True, source="Agence")

    body = client_for(admin).get("/api/v1/contacts/").json()

    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    row = body["results"][0]
    assert {k: row[k] for k in ("id", "code", "full_name", "last_name_ar", "nin", "phone", "phones", "email",
                                "emails", "tags", "owner", "agency", "segment", "wilaya")} == {
        "id": contact.pk, "code": "C00000001", "full_name": "Sara Benali", "last_name_ar": "بن علي",
        "nin": "123456789012345678", "phone": "+213550123456",
        "phones": [{"type": "mobile", "number": "+213550123456"}], "email": "sara@exemple.dz",
        "emails": ["sara@exemple.dz"], "tags": ["VIP"], "owner": admin.pk, "agency": agency.pk,
        "segment": "premium", "wilaya": None,
    }
    assert [(c["channel"], c["granted"], c["source"]) for c in row["consents"]] == [("sms", True, "Agence")]


@pytest.mark.parametrize(("query", "expected"), [
    ("aissani", ["AÏSSANI"]), ("0550 12 34 56", ["AÏSSANI"]), ("بن علي", ["Benali"]), ("", ["AÏSSANI", "Benali"]),
])
def test_contact_search(admin, query, expected):
    services.contact_create(actor=admin, last_name="AÏSSANI", phone="+213550123456")
    services.contact_create(actor=admin, last_name="Benali", last_name_ar="بن علي")

    assert last_names(client_for(admin).get("/api/v1/contacts/", {"q": query})) == expected


def test_contact_filters_and_ordering(admin, agent, org):
    tag = TagFactory(organization=org)
    ContactFactory(organization=org, code="C3", last_name="Amrani", owner=agent, wilaya_id="31").tags.add(tag)
    ContactFactory(organization=org, code="C1", last_name="Brahimi", owner=admin, wilaya_id="16")
    ContactFactory(organization=org, code="C2", last_name="Chaouch", owner=agent, wilaya_id="16")
    api = client_for(admin)

    assert last_names(api.get("/api/v1/contacts/", {"owner": agent.pk, "ordering": "-code"})) == ["Amrani",
                                                                                                  "Chaouch"]
    assert last_names(api.get("/api/v1/contacts/", {"wilaya": "16", "ordering": "code"})) == ["Brahimi", "Chaouch"]
    assert last_names(api.get("/api/v1/contacts/", {"tags": tag.pk})) == ["Amrani"]
    assert api.get("/api/v1/contacts/", {"owner": 999999}).status_code == 400


def test_contact_list_queries_do_not_grow_with_rows(admin, org, django_assert_max_num_queries):
    tag = TagFactory(organization=org)
    for _ in range(30):
        contact = ContactFactory(organization=org)
        contact.tags.add(tag)
        ConsentFactory(organization=org, contact=contact)
    api = client_for(admin)

    with django_assert_max_num_queries(7):  # session, user, groups, count, page, tags, consents
        response = api.get("/api/v1/contacts/?page_size=100")

    assert response.json()["count"] == 30


# --- Writing ------------------------------------------------------------------------------------

def test_contact_create_answers_201_with_code_and_no_duplicates(admin):
    response = client_for(admin).post("/api/v1/contacts/", {
        "last_name": "Aïssani", "first_name": "Karim", "phones": [{"type": "work", "number": "021 23 45 67"}],
        "email": "Karim@Exemple.DZ", "wilaya": "16", "tags": ["VIP", "Auto"], "birth_date": "1985-04-12",
    }, format="json")

    body = response.json()
    assert response.status_code == 201
    assert (body["code"], body["phone"], body["email"], body["wilaya"]) == (
        "C00000001", "+21321234567", "karim@exemple.dz", "16")
    assert sorted(body["tags"]) == ["Auto", "VIP"]
    assert body["possible_duplicates"] == []
    assert Contact.objects.get().owner == admin


def test_contact_create_lists_possible_duplicates(admin):
    existing = services.contact_create(actor=admin, last_name="AISSANI", first_name="Karim",
                                       nin="123456789012345678")

    response = client_for(admin).post("/api/v1/contacts/", {"last_name": "Aïssani", "first_name": "Karim",
                                                             "nin": "1234 5678 9012 3456 78"}, format="json")

    assert response.status_code == 201
    duplicates = response.json()["possible_duplicates"]
    assert [(d["id"], d["code"], d["full_name"]) for d in duplicates] == [(existing.pk, "C00000001",
                                                                           "Karim AISSANI")]
    assert "nin" in duplicates[0]["reasons"]
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(("payload", "errors"), [
    ({"last_name": "A", "phone": "0123"},
     {"phone": ["Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."]}),
    ({"last_name": "A", "nin": "12"}, {"nin": ["Le NIN doit compter exactement 18 chiffres."]}),
    ({"last_name": "A", "birth_date": "2999-01-01"},
     {"birth_date": ["La date de naissance ne peut pas être dans le futur."]}),
    ({"last_name": "A", "wilaya": "99"},
     {"wilaya": ["Clé primaire «\u00a099\u00a0» non valide - l'objet n'existe pas."]}),
    ({"last_name": "x" * 101}, {"last_name": ["Assurez-vous que ce champ comporte au plus 100\u00a0caractères."]}),
    ({"first_name": "Sans nom"}, {"last_name": ["Ce champ est obligatoire."]}),
    ({"last_name": "A", "emails": ["pas-une-adresse"]}, {"emails": {"0": ["Saisissez une adresse e-mail valide."]}}),
], ids=["phone", "nin", "future-birth-date", "unknown-wilaya", "too-long", "missing-name", "bad-email"])
def test_contact_create_bad_input_is_400_with_field_errors(admin, payload, errors):
    response = client_for(admin).post("/api/v1/contacts/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Contact.objects.count() == 0


def test_contact_owner_of_another_company_is_refused(admin, other_admin):
    response = client_for(admin).post("/api/v1/contacts/", {"last_name": "A", "owner": other_admin.pk},
                                      format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["owner"]
    assert Contact.objects.count() == 0


def test_contact_patch_records_history_and_keeps_other_fields(agent):
    contact = services.contact_create(actor=agent, last_name="Aïssani", first_name="Karim", phone="0550123456")

    response = client_for(agent).patch(f"/api/v1/contacts/{contact.pk}/",
                                       {"profession": "Enseignant", "tags": ["Flotte"]}, format="json")

    assert response.status_code == 200
    assert (response.json()["profession"], response.json()["tags"], response.json()["phone"]) == (
        "Enseignant", ["Flotte"], "+213550123456")
    assert list(FieldChange.objects.filter(content_type=ContentType.objects.get_for_model(Contact))
                .values_list("field", "old_value", "new_value", "actor")) == [("profession", "", "Enseignant",
                                                                               agent.pk)]


def test_contact_delete_by_administrator(admin, org):
    contact = ContactFactory(organization=org)

    response = client_for(admin).delete(f"/api/v1/contacts/{contact.pk}/")

    assert response.status_code == 204
    assert not Contact.objects.exists()


def test_another_companys_contact_is_404(admin, other_org):
    contact = ContactFactory(organization=other_org, last_name="Atlas")
    api = client_for(admin)
    url = f"/api/v1/contacts/{contact.pk}/"

    assert [api.get(url).status_code, api.patch(url, {"last_name": "Pirate"}, format="json").status_code,
            api.put(url, {"last_name": "Pirate"}, format="json").status_code, api.delete(url).status_code] == [
        404, 404, 404, 404]
    contact.refresh_from_db()
    assert contact.last_name == "Atlas"


def test_text_is_returned_literally(admin):
    response = client_for(admin).post("/api/v1/contacts/", {"last_name": "<script>alert(1)</script>",
                                                             "first_name": "'; DROP TABLE"}, format="json")

    assert response.json()["full_name"] == "'; DROP TABLE <script>alert(1)</script>"


# --- Accounts and relationships --------------------------------------------------------------------------

def test_account_create_search_and_parent(admin, org):
    group = AccountFactory(organization=org, name="Groupe Cevital")
    api = client_for(admin)

    created = api.post("/api/v1/accounts/", {"name": "Cevital Agro", "nif": "000016001234567", "parent": group.pk,
                                             "revenue": "125000000.50", "website": "https://cevital.dz"},
                       format="json")
    found = api.get("/api/v1/accounts/", {"q": "cevital agro"}).json()

    assert created.status_code == 201
    assert (created.json()["parent"], created.json()["revenue"]) == (group.pk, "125000000.50")
    assert [a["name"] for a in found["results"]] == ["Cevital Agro"]


def test_account_refuses_a_negative_revenue(admin):
    response = client_for(admin).post("/api/v1/accounts/", {"name": "SARL", "revenue": "-1"}, format="json")

    assert (response.status_code, response.json()) == (400, {
        "revenue": ["Le chiffre d'affaires ne peut pas être négatif."]})


def test_relationship_create_list_and_delete(admin, org):
    karim, sara = ContactFactory(organization=org), ContactFactory(organization=org)
    company = AccountFactory(organization=org)
    api = client_for(admin)

    spouse = api.post("/api/v1/relationships/", {"contact": karim.pk, "related_contact": sara.pk,
                                                  "kind": "conjoint"}, format="json")
    api.post("/api/v1/relationships/", {"contact": karim.pk, "account": company.pk, "kind": "employe"},
             format="json")
    of_sara = api.get("/api/v1/relationships/", {"contact": sara.pk}).json()

    assert spouse.status_code == 201
    assert {k: spouse.json()[k] for k in ("contact", "related_contact", "account", "kind", "kind_label")} == {
        "contact": karim.pk, "related_contact": sara.pk, "account": None, "kind": "conjoint",
        "kind_label": "Conjoint(e)"}
    assert [r["id"] for r in of_sara["results"]] == [spouse.json()["id"]]
    assert api.delete(f"/api/v1/relationships/{spouse.json()['id']}/").status_code == 204
    assert Relationship.objects.count() == 1


@pytest.mark.parametrize(("payload", "errors"), [
    ({"kind": "conjoint"}, {"account": ["Choisissez soit une personne, soit un compte."]}),
    ({"kind": "conjoint", "self": True}, {"related_contact": ["Un contact ne peut pas être lié à lui-même."]}),
    ({"kind": "parent", "account": True}, {"kind": ["Ce lien ne s'applique pas entre une personne et un compte."]}),
], ids=["no-target", "self", "family-kind-with-company"])
def test_relationship_bad_input_is_400(admin, org, payload, errors):
    karim = ContactFactory(organization=org)
    company = AccountFactory(organization=org)
    data = {"contact": karim.pk, "kind": payload["kind"]}
    if payload.get("self"):
        data["related_contact"] = karim.pk
    if payload.get("account"):
        data["account"] = company.pk

    response = client_for(admin).post("/api/v1/relationships/", data, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert Relationship.objects.count() == 0


def test_relationship_to_another_companys_contact_is_400(admin, org, other_org):
    karim = ContactFactory(organization=org)
    stranger = ContactFactory(organization=other_org)

    response = client_for(admin).post("/api/v1/relationships/", {"contact": karim.pk, "related_contact": stranger.pk,
                                                                  "kind": "conjoint"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["related_contact"]


def test_customers_are_in_the_schema(admin):
    schema = client_for(admin).get("/api/v1/schema/").content.decode()

    for path in ("/api/v1/contacts/", "/api/v1/contacts/{id}/", "/api/v1/accounts/", "/api/v1/relationships/{id}/"):
        assert f"{path}:" in schema
    assert "possible_duplicates" in schema


@pytest.mark.django_db
def test_possible_duplicates_never_name_a_contact_the_caller_cannot_see(org, agent, admin):
    from assura.core.testing import factories as f

    elsewhere = f.AgencyFactory(organization=org)
    hidden = ContactFactory(organization=org, agency=elsewhere, phone="+213550999888", owner=None)
    client = APIClient()
    client.force_authenticate(agent)

    response = client.post("/api/v1/contacts/", {"last_name": "Haddad", "phone": "0550 99 98 88"}, format="json")

    assert response.status_code == 201
    assert response.json()["possible_duplicates"] == []

    client.force_authenticate(admin)  # who may see the whole company is told about it
    response = client.post("/api/v1/contacts/", {"last_name": "Haddad", "phone": "0550 99 98 88"}, format="json")
    assert hidden.pk in {d["id"] for d in response.json()["possible_duplicates"]}
