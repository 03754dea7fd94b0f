"""The activities API: list with ?q=, filters and ordering; create with the services' defaults;
update; the complete / cancel / reschedule actions; notifications. Other company: 400 or 404."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assura.activities import services
from assura.activities.models import Activity
from assura.activities.tests.conftest import local
from assura.activities.tests.factories import NotificationFactory
from assura.core.models import Notification

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def subjects(response) -> list[str]:
    return [row["subject"] for row in response.json()["results"]]


@pytest.fixture
def logged(agent, colleague, contact, account):
    now = timezone.now()
    return [
        services.activity_create(actor=agent, kind="call", subject="Appel échéance auto", contact=contact,
                                 occurred_at=now - timedelta(days=2)),
        services.activity_create(actor=agent, kind="email", subject="Devis habitation", account=account,
                                 occurred_at=now - timedelta(days=1)),
        services.activity_create(actor=colleague, kind="task", subject="Relancer l'ECHEANCE", contact=contact,
                                 due_at=local(2, 10)),
    ]


def test_list_is_newest_first_and_searches_without_accents(agent, logged):
    api = client_for(agent)

    everything = api.get("/api/v1/activities/")
    search = api.get("/api/v1/activities/", {"q": "écheance"})

    assert everything.status_code == 200
    assert everything.json()["count"] == 3
    assert subjects(everything) == ["Relancer l'ECHEANCE", "Devis habitation", "Appel échéance auto"]
    assert subjects(search) == ["Relancer l'ECHEANCE", "Appel échéance auto"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "call"}, ["Appel échéance auto"]),
        ({"status": "planned"}, ["Relancer l'ECHEANCE"]),
        ({"channel": "email"}, ["Devis habitation"]),
        ({"scope": "mine"}, ["Devis habitation", "Appel échéance auto"]),
        ({"ordering": "occurred_at"}, ["Appel échéance auto", "Devis habitation", "Relancer l'ECHEANCE"]),
    ],
    ids=["kind", "status", "channel", "mine", "ordering"],
)
def test_list_filters(agent, logged, params, expected):
    assert subjects(client_for(agent).get("/api/v1/activities/", params)) == expected


def test_list_filters_by_record_assignee_and_dates(agent, colleague, contact, account, logged):
    api = client_for(agent)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    assert subjects(api.get("/api/v1/activities/", {"contact": contact.pk})) == [
        "Relancer l'ECHEANCE", "Appel échéance auto"]
    assert subjects(api.get("/api/v1/activities/", {"account": account.pk})) == ["Devis habitation"]
    assert subjects(api.get("/api/v1/activities/", {"assignee": colleague.pk})) == ["Relancer l'ECHEANCE"]
    assert subjects(api.get("/api/v1/activities/", {"date_from": yesterday, "date_to": yesterday})) == [
        "Devis habitation"]


def test_list_queries_do_not_grow_with_rows(agent, contact, django_assert_max_num_queries):
    for i in range(30):
        services.activity_create(actor=agent, kind="note", subject=f"Note {i}", contact=contact)
    api = client_for(agent)

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/activities/")

    assert response.json()["count"] == 30


def test_create_applies_the_service_defaults(agent, contact):
    response = client_for(agent).post("/api/v1/activities/", {
        "kind": "call", "subject": "Appel de bienvenue", "contact": contact.pk, "duration_seconds": 95,
        "outcome": "reached",
    }, format="json")

    body = response.json()
    assert response.status_code == 201
    assert {k: body[k] for k in ("kind", "status", "channel", "direction", "assignee", "agency", "contact",
                                 "kind_label", "status_label", "duration_seconds")} == {
        "kind": "call", "status": "done", "channel": "phone", "direction": "out", "assignee": agent.pk,
        "agency": contact.agency_id, "contact": contact.pk, "kind_label": "Appel", "status_label": "Fait",
        "duration_seconds": 95,
    }


def test_create_an_appointment_with_a_reminder(agent, contact):
    start = local(1, 10)

    response = client_for(agent).post("/api/v1/activities/", {
        "kind": "appointment", "subject": "RDV", "contact": contact.pk, "start_at": start.isoformat(),
        "remind_before": 30, "remind_by_email": True,
    }, format="json")

    rdv = Activity.objects.get()
    assert response.status_code == 201
    assert (rdv.end_at, rdv.remind_at, rdv.remind_by_email) == (local(1, 11), local(1, 9, 30), True)
    assert "remind_before" not in response.json()


def test_create_with_bad_input_is_400_with_field_errors(agent, contact, foreign_contact):
    api = client_for(agent)

    foreign = api.post("/api/v1/activities/", {"kind": "note", "subject": "Note", "contact": foreign_contact.pk},
                       format="json")
    backwards = api.post("/api/v1/activities/", {
        "kind": "appointment", "subject": "RDV", "contact": contact.pk, "start_at": local(1, 10).isoformat(),
        "end_at": local(1, 9).isoformat()}, format="json")
    no_kind = api.post("/api/v1/activities/", {"subject": "?"}, format="json")

    assert (foreign.status_code, backwards.status_code, no_kind.status_code) == (400, 400, 400)
    assert list(foreign.json()) == ["contact"]
    assert backwards.json() == {"end_at": ["La fin doit être après le début."]}
    assert list(no_kind.json()) == ["kind"]
    assert Activity.objects.count() == 0


def test_a_supervisor_may_read_but_not_create(supervisor, contact, logged):
    api = client_for(supervisor)

    listing = api.get("/api/v1/activities/")
    create = api.post("/api/v1/activities/", {"kind": "note", "subject": "Note", "contact": contact.pk},
                      format="json")

    assert listing.json()["count"] == 3
    assert create.status_code == 403
    assert Activity.objects.count() == 3


def test_patch_changes_details_but_not_kind_or_status(agent, logged):
    api = client_for(agent)
    call = logged[0]

    ok = api.patch(f"/api/v1/activities/{call.pk}/", {"subject": "Appel échéance auto (rappel)"}, format="json")
    refused = api.patch(f"/api/v1/activities/{call.pk}/", {"kind": "note", "status": "planned"}, format="json")

    call.refresh_from_db()
    assert ok.status_code == 200 and ok.json()["subject"] == "Appel échéance auto (rappel)"
    assert refused.status_code == 400
    assert sorted(refused.json()) == ["kind", "status"]
    assert (call.kind, call.status) == ("call", "done")


def test_complete_action_and_complete_twice(colleague, logged):
    api = client_for(colleague)
    task = logged[2]

    first = api.post(f"/api/v1/activities/{task.pk}/complete/")
    second = api.post(f"/api/v1/activities/{task.pk}/complete/")

    assert first.status_code == 200
    assert first.json()["status"] == "done" and first.json()["completed_at"] is not None
    assert second.status_code == 400
    assert second.json() == {"status": ["Cette activité est déjà faite."]}


def test_complete_someone_else_s_task_is_403_and_nothing_changes(agent, logged):
    response = client_for(agent).post(f"/api/v1/activities/{logged[2].pk}/complete/")

    assert response.status_code == 403
    assert Activity.objects.get(pk=logged[2].pk).status == "planned"


def test_reschedule_action(colleague, logged):
    task = logged[2]

    response = client_for(colleague).post(f"/api/v1/activities/{task.pk}/reschedule/",
                                          {"due_at": local(5, 8).isoformat()}, format="json")

    task.refresh_from_db()
    assert response.status_code == 200
    assert task.due_at == local(5, 8)


def test_another_company_s_activity_is_404(other_admin, logged):
    api = client_for(other_admin)

    assert api.get(f"/api/v1/activities/{logged[0].pk}/").status_code == 404
    assert api.post(f"/api/v1/activities/{logged[2].pk}/complete/").status_code == 404
    assert api.get("/api/v1/activities/").json()["count"] == 0


def test_notifications_are_personal_and_can_be_marked_read(agent, colleague):
    mine = NotificationFactory(organization=agent.organization, user=agent, title="Rappel : RDV")
    NotificationFactory(organization=agent.organization, user=agent, title="Rappel : Tâche")
    theirs = NotificationFactory(organization=agent.organization, user=colleague, title="Pour Nadia")
    api = client_for(agent)

    listing = api.get("/api/v1/notifications/")
    read = api.post(f"/api/v1/notifications/{mine.pk}/read/")
    unread = api.get("/api/v1/notifications/", {"unread": "true"})
    foreign = api.post(f"/api/v1/notifications/{theirs.pk}/read/")
    everything = api.post("/api/v1/notifications/read-all/")

    assert [n["title"] for n in listing.json()["results"]] == ["Rappel : Tâche", "Rappel : RDV"]
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert [n["title"] for n in unread.json()["results"]] == ["Rappel : Tâche"]
    assert foreign.status_code == 404
    assert everything.json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
