"""Who may read, change and delete customers: Utilisateur sees own + own agency by default,
Superviseur and Éditeur read all, only Administrateur deletes; another company's record is a
404 like a missing one; a refused action changes nothing."""

import pytest
from rest_framework.test import APIClient

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Account, Contact, Relationship
from assura.customers.tests.factories import AccountFactory, ContactFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org, agency, agent, admin):
    """An agent's own contact, one of their agency, and one of another agency owned by someone else."""
    other_agency = f.AgencyFactory(organization=org, number="031-001")
    colleague = f.UserFactory(organization=org, agency=other_agency)
    return {
        "own": ContactFactory(organization=org, last_name="Own", owner=agent, agency=other_agency),
        "agency": ContactFactory(organization=org, last_name="Agency", owner=admin, agency=agency),
        "elsewhere": ContactFactory(organization=org, last_name="Elsewhere", owner=colleague, agency=other_agency),
        "account_elsewhere": AccountFactory(organization=org, owner=colleague, agency=other_agency),
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_user_reads_own_and_own_agency_contacts_only(client, agent, records):
    client.force_login(agent)

    assert client.get(records["own"].get_absolute_url()).status_code == 200
    assert client.get(records["agency"].get_absolute_url()).status_code == 200
    assert client.get(records["elsewhere"].get_absolute_url()).status_code == 404
    assert client.get(records["account_elsewhere"].get_absolute_url()).status_code == 404
    assert sorted(r["last_name"] for r in api(agent).get("/api/v1/contacts/").json()["results"]) == ["Agency", "Own"]
    assert api(agent).get(f"/api/v1/contacts/{records['elsewhere'].pk}/").status_code == 404


def test_user_cannot_change_what_they_cannot_see(client, agent, records):
    hidden = records["elsewhere"]
    client.force_login(agent)

    edit = client.post(f"/contacts/{hidden.pk}/edit/", {"last_name": "Pirate", "preferred_language": "fr"})
    consent = client.post(f"/contacts/{hidden.pk}/consents/", {"channel": "sms", "granted": "yes"})
    link = client.post(f"/contacts/{records['own'].pk}/relationships/",
                       {"kind": "conjoint", "target": f"contact:{hidden.pk}"})
    patch = api(agent).patch(f"/api/v1/contacts/{hidden.pk}/", {"last_name": "Pirate"}, format="json")

    assert (edit.status_code, consent.status_code, patch.status_code) == (404, 404, 404)
    assert link.status_code == 200  # the form answers "choose someone in the list"
    hidden.refresh_from_db()
    assert hidden.last_name == "Elsewhere"
    assert (hidden.consents.count(), Relationship.objects.count()) == (0, 0)


def test_user_sees_all_when_the_company_says_so(client, agent, org, records):
    org.user_visibility = "all"
    org.save()
    client.force_login(agent)

    assert client.get(records["elsewhere"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.EDITOR, Role.ADMIN])
def test_supervisor_editor_and_admin_read_all(client, users_by_role, records, role):
    client.force_login(users_by_role[role])

    assert client.get(records["elsewhere"].get_absolute_url()).status_code == 200
    assert api(users_by_role[role]).get("/api/v1/contacts/").json()["count"] == 3


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.EDITOR])
def test_read_only_roles_cannot_create_or_edit(client, users_by_role, records, role):
    user = users_by_role[role]
    client.force_login(user)
    contact = records["agency"]

    pages = [client.get("/contacts/new/"), client.post("/contacts/new/", {"last_name": "Nouveau"}),
             client.post(f"/contacts/{contact.pk}/edit/", {"last_name": "Changé"}),
             client.post(f"/contacts/{contact.pk}/consents/", {"channel": "sms", "granted": "yes"}),
             client.post("/accounts/new/", {"name": "SARL Nouvelle"})]
    created = api(user).post("/api/v1/contacts/", {"last_name": "Nouveau"}, format="json")

    assert [p.status_code for p in pages] == [403] * 5
    assert created.status_code == 403
    contact.refresh_from_db()
    assert (Contact.objects.count(), Account.objects.count(), contact.last_name) == (3, 1, "Agency")
    assert 'data-testid="create"' not in client.get("/contacts/").content.decode()


@pytest.mark.parametrize("role", [Role.USER, Role.SUPERVISOR, Role.EDITOR])
def test_only_administrators_delete_customers(client, users_by_role, records, role):
    user = users_by_role[role]
    client.force_login(user)
    contact = records["agency"]
    account = AccountFactory(organization=contact.organization, agency=contact.agency)

    page = client.get(contact.get_absolute_url()).content.decode()
    responses = [client.post(f"/contacts/{contact.pk}/delete/"), client.post(f"/accounts/{account.pk}/delete/"),
                 client.post("/contacts/", {"bulk_action": "delete", "ids": [contact.pk]}),
                 api(user).delete(f"/api/v1/contacts/{contact.pk}/")]

    assert 'data-testid="delete"' not in page
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert Contact.objects.filter(pk=contact.pk).exists() and Account.objects.filter(pk=account.pk).exists()


def test_administrator_deletes_a_contact(client, admin, records):
    client.force_login(admin)

    response = client.post(f"/contacts/{records['elsewhere'].pk}/delete/")

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=records["elsewhere"].pk).exists()


def test_another_companys_records_are_404(client, admin, other_org):
    contact = ContactFactory(organization=other_org, last_name="Atlas")
    account = AccountFactory(organization=other_org)
    relationship = RelationshipFactory(organization=other_org)
    client.force_login(admin)

    responses = [
        client.get(contact.get_absolute_url()), client.get(f"/contacts/{contact.pk}/edit/"),
        client.post(f"/contacts/{contact.pk}/delete/"), client.get(account.get_absolute_url()),
        client.post(f"/relationships/{relationship.pk}/delete/"),
        api(admin).get(f"/api/v1/contacts/{contact.pk}/"), api(admin).delete(f"/api/v1/accounts/{account.pk}/"),
        api(admin).delete(f"/api/v1/relationships/{relationship.pk}/"),
    ]

    assert [r.status_code for r in responses] == [404] * 8
    assert Contact.objects.filter(pk=contact.pk, last_name="Atlas").exists()
    assert Relationship.objects.filter(pk=relationship.pk).exists()


def test_lookup_and_search_never_show_another_companys_records(client, admin, other_org):
    ContactFactory(organization=other_org, last_name="Atlas")
    client.force_login(admin)

    assert "Atlas" not in client.get("/customers/lookup/?q=atlas").content.decode()
    assert api(admin).get("/api/v1/contacts/?q=atlas").json()["count"] == 0
