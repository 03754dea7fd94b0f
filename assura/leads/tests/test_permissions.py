"""Who sees and changes which leads: Utilisateur sees own + agency leads, another company's
lead is a 404, a role without the action gets 403 and nothing changes."""

import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Contact
from assura.identity.models import Organization
from assura.leads.models import AssignmentRule, Lead
from assura.leads.tests.factories import AssignmentRuleFactory, LeadFactory


@pytest.fixture
def leads(org, agency, agent):
    colleague = f.UserFactory(organization=org, agency=agency, role=Role.USER)
    elsewhere = f.AgencyFactory(organization=org, number="031-001")
    stranger = f.UserFactory(organization=org, agency=elsewhere, role=Role.USER)
    return {
        "mine": LeadFactory(organization=org, full_name="Mine", owner=agent, agency=elsewhere),
        "agency": LeadFactory(organization=org, full_name="Agence", owner=colleague, agency=agency),
        "other_agency": LeadFactory(organization=org, full_name="Ailleurs", owner=stranger, agency=elsewhere),
    }


def listed(client, url="/leads/") -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {lead.full_name for lead in response.context["table"].page.object_list}


def test_utilisateur_sees_own_and_agency_leads_only(client, agent, leads):
    client.force_login(agent)

    assert listed(client) == {"Mine", "Agence"}
    assert {r["full_name"] for r in client.get("/api/v1/leads/").json()["results"]} == {"Mine", "Agence"}
    assert client.get(f"/leads/{leads['other_agency'].pk}/").status_code == 404
    assert client.get(f"/api/v1/leads/{leads['other_agency'].pk}/").status_code == 404


def test_utilisateur_sees_own_only_when_the_company_says_so(client, org, agent, leads):
    Organization.objects.filter(pk=org.pk).update(user_visibility="own")
    client.force_login(agent)

    assert listed(client) == {"Mine"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.SUPERVISOR])
def test_other_roles_read_every_lead_of_the_company(client, users_by_role, leads, other_org, role):
    LeadFactory(organization=other_org, full_name="Autre compagnie")
    client.force_login(users_by_role[role])

    assert listed(client) == {"Mine", "Agence", "Ailleurs"}


def test_another_company_lead_is_404_everywhere(client, other_admin, leads):
    lead = leads["mine"]
    before = Lead.objects.filter(pk=lead.pk).values().get()
    client.force_login(other_admin)

    for url in (f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/", f"/leads/{lead.pk}/convert/",
                f"/api/v1/leads/{lead.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/leads/{lead.pk}/convert/", {"contact": "new", "account": "none",
                                                        "relation_kind": "employe"}).status_code == 404
    assert client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, content_type="application/json").status_code == 404
    assert Lead.objects.filter(pk=lead.pk).values().get() == before
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("role", [Role.EDITOR, Role.SUPERVISOR])
def test_roles_without_leads_edit_are_refused_and_nothing_changes(client, users_by_role, org, role):
    lead = LeadFactory(organization=org, full_name="Yacine Belkacem")
    before = Lead.objects.filter(pk=lead.pk).values().get()
    client.force_login(users_by_role[role])

    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    requests = [
        client.get("/leads/new/"),
        client.post("/leads/new/", {"full_name": "Nouveau", "source": "site_web"}),
        client.post(f"/leads/{lead.pk}/edit/", {"full_name": "Changé", "source": "site_web"}),
        client.post(f"/leads/{lead.pk}/status/", {"status": "contacte"}),
        client.post(f"/leads/{lead.pk}/lose/", {"lost_reason": "prix"}),
        client.post(f"/leads/{lead.pk}/convert/", {"contact": "new", "account": "none", "relation_kind": "employe"}),
        client.post("/api/v1/leads/", {"full_name": "Nouveau", "source": "site_web"}, content_type="application/json"),
        client.patch(f"/api/v1/leads/{lead.pk}/", {"full_name": "Changé"}, content_type="application/json"),
        client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, content_type="application/json"),
        client.post(f"/api/v1/leads/{lead.pk}/transition/", {"status": "contacte"}, content_type="application/json"),
    ]

    assert [r.status_code for r in requests] == [403] * len(requests)
    assert Lead.objects.count() == 1
    assert Lead.objects.filter(pk=lead.pk).values().get() == before
    assert Contact.objects.count() == 0


def test_the_create_button_shows_only_to_roles_that_may_create(client, agent, editor):
    client.force_login(agent)
    assert 'href="/leads/new/"' in client.get("/leads/").content.decode()
    client.force_login(editor)
    assert 'href="/leads/new/"' not in client.get("/leads/").content.decode()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.SUPERVISOR, Role.USER])
def test_only_administrators_manage_assignment_rules(client, users_by_role, org, role):
    rule = AssignmentRuleFactory(organization=org, priority=7)
    client.force_login(users_by_role[role])

    statuses = [
        client.get("/leads/rules/").status_code,
        client.post("/leads/rules/new/", {"mode": "round_robin", "priority": 1}).status_code,
        client.post(f"/leads/rules/{rule.pk}/edit/", {"mode": "round_robin", "priority": 1}).status_code,
        client.post(f"/leads/rules/{rule.pk}/delete/").status_code,
    ]

    assert statuses == [403, 403, 403, 403]
    assert list(AssignmentRule.objects.values_list("pk", "priority")) == [(rule.pk, 7)]
