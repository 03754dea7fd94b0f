"""API: /api/v1/tickets/ (+ replies, notes, transition, assign), /kb-articles/, /sla-policies/."""

import pytest
from rest_framework.test import APIClient

from assura.service.models import KbArticle, SlaPolicy, Ticket
from assura.service.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_list_and_actions(agent, admin, desk, django_capture_on_commit_callbacks):
    client = api(agent)
    response = client.post("/api/v1/tickets/", {"subject": "Attestation", "customer_name": "Karima",
                                                "customer_email": "k@example.dz", "kind": "demande",
                                                "assignee": agent.pk}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["reference"].startswith("TK-")
    listing = client.get("/api/v1/tickets/", {"queue": "mine"})
    assert listing.status_code == 200 and listing.json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=False):
        reply = client.post(f"/api/v1/tickets/{pk}/replies/", {"body": "Voici votre attestation."}, format="json")
    assert reply.status_code == 201 and reply.json()["kind"] == "reponse"
    note = client.post(f"/api/v1/tickets/{pk}/notes/", {"body": "RAS"}, format="json")
    assert note.status_code == 201
    assert [m["kind"] for m in client.get(f"/api/v1/tickets/{pk}/messages/").json()] == \
        ["accuse", "reponse", "note"]
    bad = client.post(f"/api/v1/tickets/{pk}/transition/", {"status": "resolu"}, format="json")
    assert bad.status_code == 400 and "resolution_code" in bad.json()
    ok = client.post(f"/api/v1/tickets/{pk}/transition/", {"status": "resolu", "resolution_code": "repondu"},
                     format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "resolu"


def test_bad_input_answers_400_with_the_field(agent, desk):
    client = api(agent)
    response = client.post("/api/v1/tickets/", {"subject": "", "kind": "zz"}, format="json")
    assert response.status_code == 400 and {"subject", "kind"} <= set(response.json())
    response = client.post("/api/v1/tickets/", {"subject": "Sans client"}, format="json")
    assert response.status_code == 400 and "contact" in response.json()
    assert not Ticket.objects.exists()


def test_assign_needs_the_right(agent, supervisor, admin, desk, org):
    ticket = TicketFactory(organization=org, agency=agent.agency)
    denied = api(agent).post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": admin.pk}, format="json")
    assert denied.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None
    response = api(supervisor).post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": agent.pk,
                                                                            "team": desk["team"].pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == agent.pk
    assert api(supervisor).post(f"/api/v1/tickets/{ticket.pk}/replies/", {"body": "x"},
                                format="json").status_code == 403


def test_supervisor_cannot_create_through_the_api(supervisor, desk):
    response = api(supervisor).post("/api/v1/tickets/", {"subject": "x", "customer_name": "y"}, format="json")
    assert response.status_code == 403 and not Ticket.objects.exists()


def test_another_company_ticket_is_404_and_its_ids_invalid(admin, other_org, desk):
    foreign = TicketFactory(organization=other_org)
    client = api(admin)
    assert client.get(f"/api/v1/tickets/{foreign.pk}/").status_code == 404
    assert client.post(f"/api/v1/tickets/{foreign.pk}/transition/", {"status": "ouvert"},
                       format="json").status_code == 404
    response = client.post("/api/v1/tickets/", {"subject": "x", "customer_name": "y",
                                                "category": CategoryFactory(organization=other_org).pk},
                           format="json")
    assert response.status_code == 400 and "category" in response.json()
    foreign.refresh_from_db()
    assert foreign.status == "nouveau"


def test_list_query_count(admin, org, desk, django_assert_max_num_queries):
    for _ in range(20):
        TicketFactory(organization=org, team=desk["team"], assignee=admin)
    with django_assert_max_num_queries(8):
        assert api(admin).get("/api/v1/tickets/").json()["count"] == 20


def test_kb_articles_and_sla_policies(editor, admin, agent, desk):
    created = api(editor).post("/api/v1/kb-articles/", {"title": "Résiliation", "body": "Lettre recommandée."},
                               format="json")
    assert created.status_code == 201
    assert api(agent).get("/api/v1/kb-articles/", {"q": "resiliation"}).json()["count"] == 1
    assert api(agent).post("/api/v1/kb-articles/", {"title": "x", "body": "y"}, format="json").status_code == 403
    assert KbArticle.objects.count() == 1
    assert api(agent).get("/api/v1/sla-policies/").json()["count"] == 2
    assert api(agent).post("/api/v1/sla-policies/", {"name": "x", "first_response_hours": 1,
                                                     "resolution_hours": 2}, format="json").status_code == 403
    bad = api(admin).post("/api/v1/sla-policies/", {"name": "x", "first_response_hours": 5,
                                                    "resolution_hours": 2}, format="json")
    assert bad.status_code == 400 and "resolution_hours" in bad.json()
    assert SlaPolicy.objects.count() == 2


def test_schema_lists_the_service_endpoints(admin, client):
    client.force_login(admin)
    schema = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/tickets/", "/api/v1/tickets/{id}/transition/", "/api/v1/tickets/{id}/assign/",
                 "/api/v1/tickets/{id}/replies/", "/api/v1/kb-articles/", "/api/v1/sla-policies/",
                 "/api/v1/inbound-email/"):
        assert path in schema, path
