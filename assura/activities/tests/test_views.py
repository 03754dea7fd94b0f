"""Pages of the activities app: the list ("Mes tâches"), detail and actions, the timeline panel
and its quick form (HTMX), the calendar grid, drag-and-drop rescheduling, notifications."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assura.activities import services
from assura.activities.models import Activity
from assura.activities.tests.conftest import local
from assura.activities.tests.factories import ActivityFactory, NotificationFactory
from assura.core.models import Notification

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def table_rows(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


def block(response, testid: str) -> str:
    """The text of the element carrying data-testid=`testid` (up to its closing </td>)."""
    match = re.search(rf'data-testid="{testid}">(.*?)</td>', response.content.decode(), re.S)
    assert match, f"no {testid}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def planned(user, *, subject, kind="task", at=None, contact=None, **extra):
    at = at or local(1, 10)
    dates = {"start_at": at} if kind == "appointment" else {"due_at": at}
    return services.activity_create(actor=user, kind=kind, subject=subject, contact=contact, **dates, **extra)


# --- List -------------------------------------------------------------------------------------------------

def test_an_agent_lands_on_my_tasks(agent_client, agent, colleague, contact):
    planned(agent, subject="Relancer Benali", contact=contact)
    done = planned(agent, subject="Déjà faite", contact=contact)
    services.activity_complete(actor=agent, activity=done)
    planned(colleague, subject="Tâche de Nadia", contact=contact)

    landing = agent_client.get("/activities/")
    response = agent_client.get(landing["Location"])

    assert landing.status_code == 302
    assert landing["Location"] == "/activities/?scope=mine&status=planned"
    assert [r.split(" ")[1:3] for r in table_rows(response)] == [["Relancer", "Benali"]]


def test_the_list_filters_and_searches_without_accents(client, admin, agent, contact):
    client.force_login(admin)
    services.activity_create(actor=agent, kind="call", subject="Appel pour l'échéance", contact=contact)
    services.activity_create(actor=agent, kind="note", subject="Note interne", contact=contact)
    planned(agent, subject="Échéance à préparer", contact=contact)

    calls = client.get("/activities/?kind=call")
    search = client.get("/activities/?q=ECHEANCE")

    assert [r.split(" ", 1)[1][:21] for r in table_rows(calls)] == ["Appel pour l'échéance"]
    assert sorted(r.split(" ", 1)[1][:19] for r in table_rows(search)) == ["Appel pour l'échéan", "Échéance à préparer"]


def test_the_list_costs_the_same_queries_for_5_or_30_rows(client, admin, agent, contact):
    client.force_login(admin)
    for i in range(5):
        services.activity_create(actor=agent, kind="call", subject=f"Appel {i}", contact=contact)
    client.get("/activities/?scope=")

    with CaptureQueriesContext(connection) as small:
        client.get("/activities/?scope=")
    for i in range(25):
        services.activity_create(actor=agent, kind="note", subject=f"Note {i}", contact=contact)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/activities/?scope=")

    assert len(table_rows(response)) == 25
    assert len(small) == len(large)


# --- Detail and actions -------------------------------------------------------------------------------------

def test_detail_shows_the_activity_and_its_actions(agent_client, agent, contact):
    rdv = planned(agent, subject="Rendez-vous Benali", kind="appointment", at=local(1, 10), contact=contact,
                  place="Agence Hydra")

    response = agent_client.get(f"/activities/{rdv.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert "Rendez-vous Benali" in page and "Agence Hydra" in page and "Karim Benali" in page
    assert 'data-testid="complete"' in response.content.decode()
    assert 'data-testid="reschedule-form"' in response.content.decode()


def test_complete_and_cancel_buttons_post_to_the_services(agent_client, agent, contact):
    task = planned(agent, subject="Relance", contact=contact)
    rdv = planned(agent, subject="RDV", kind="appointment", contact=contact)

    done = agent_client.post(f"/activities/{task.pk}/complete/")
    cancelled = agent_client.post(f"/activities/{rdv.pk}/cancel/")
    again = agent_client.post(f"/activities/{task.pk}/complete/", follow=True)

    assert (done.status_code, cancelled.status_code) == (302, 302)
    assert list(Activity.objects.order_by("pk").values_list("status", flat=True)) == ["done", "cancelled"]
    assert "Cette activité est déjà faite." in text(again)


def test_edit_page_changes_the_details(agent_client, agent, contact):
    task = planned(agent, subject="Relance", contact=contact, at=local(1, 9))

    page = agent_client.get(f"/activities/{task.pk}/edit/")
    response = agent_client.post(f"/activities/{task.pk}/edit/", {
        "subject": "Relance devis auto", "due_at": local(2, 11).strftime("%Y-%m-%dT%H:%M"), "priority": "high",
        "remind_before": "60", "assignee": agent.pk, "body": "Appeler après 14 h",
    })

    task.refresh_from_db()
    assert page.status_code == 200
    assert response.status_code == 302
    assert (task.subject, task.due_at, task.priority, task.remind_at, task.body) == (
        "Relance devis auto", local(2, 11), "high", local(2, 10), "Appeler après 14 h")


# --- Timeline panel and quick form ------------------------------------------------------------------------------

def test_the_timeline_view_renders_the_panel_filtered(agent_client, agent, contact):
    services.activity_create(actor=agent, kind="call", subject="Appel de bienvenue", contact=contact)
    services.activity_create(actor=agent, kind="note", subject="Préfère le matin", contact=contact)

    full = agent_client.get(f"/activities/timeline/?contact={contact.pk}")
    calls = agent_client.get(f"/activities/timeline/?contact={contact.pk}&kind=call", **HTMX)

    assert full.status_code == 200 and "<html" in full.content.decode()
    assert "Préfère le matin" in text(full) and "Appel de bienvenue" in text(full)
    assert "<html" not in calls.content.decode()
    assert calls.content.decode().count('data-testid="timeline-entry"') == 1
    assert "Appel de bienvenue" in text(calls)


@pytest.mark.parametrize("query", ["contact={far}", "contact={foreign}", "contact=999999", "lead=abc", ""])
def test_the_timeline_of_a_record_one_may_not_see_is_404(agent_client, far_contact, foreign_contact, query):
    response = agent_client.get("/activities/timeline/?" + query.format(far=far_contact.pk, foreign=foreign_contact.pk))

    assert response.status_code == 404


def test_voir_plus_returns_the_next_entries_only(agent_client, agent, contact):
    for i in range(25):
        ActivityFactory(organization=contact.organization, contact=contact, assignee=agent, subject=f"Appel {i:02d}",
                        occurred_at=timezone.now() - timedelta(minutes=i))
    first = agent_client.get(f"/activities/timeline/?contact={contact.pk}", **HTMX)
    more_url = html.unescape(re.search(r'data-testid="timeline-more"', first.content.decode()) and re.search(
        r'href="([^"]+)" hx-get="[^"]+" hx-target="closest li"', first.content.decode()).group(1))

    more = agent_client.get(more_url, **HTMX)

    assert first.content.decode().count('data-testid="timeline-entry"') == 20
    assert more.content.decode().count('data-testid="timeline-entry"') == 5
    assert "Appel 20" in text(more) and "Appel 19" not in text(more)
    assert 'data-testid="timeline-more"' not in more.content.decode()


def test_quick_log_a_call_from_the_panel_rerenders_it(agent_client, agent, contact):
    form = agent_client.get(f"/activities/new/?contact={contact.pk}&kind=call", HTTP_HX_TARGET="timeline-form",
                            **HTMX)

    response = agent_client.post(
        f"/activities/new/?contact={contact.pk}&kind=call",
        {"kind": "call", "subject": "Appel de bienvenue", "direction": "out", "outcome": "reached",
         "duration_minutes": "4", "body": "Intéressé par l'auto"},
        HTTP_HX_TARGET="timeline", **HTMX,
    )

    call = Activity.objects.get()
    assert form.status_code == 200 and 'data-testid="quicklog-form"' in form.content.decode()
    assert response.status_code == 200
    assert 'id="timeline"' in response.content.decode()
    assert "Appel enregistré(e) : Appel de bienvenue" in text(response)
    assert (call.kind, call.contact, call.duration_seconds, call.outcome, call.status) == (
        "call", contact, 240, "reached", "done")


def test_quick_form_errors_stay_in_the_panel_and_nothing_is_saved(agent_client, contact):
    response = agent_client.post(
        f"/activities/new/?contact={contact.pk}&kind=appointment",
        {"kind": "appointment", "subject": "RDV", "start_at": local(1, 10).strftime("%Y-%m-%dT%H:%M"),
         "end_at": local(1, 9).strftime("%Y-%m-%dT%H:%M")},
        HTTP_HX_TARGET="timeline", **HTMX,
    )

    assert response.status_code == 200
    assert 'data-testid="quicklog-form"' in response.content.decode()
    assert "La fin doit être après le début." in text(response)
    assert Activity.objects.count() == 0


def test_the_full_form_plans_a_task_and_returns_to_next(agent_client, agent):
    page = agent_client.get("/activities/new/")
    response = agent_client.post("/activities/new/?kind=task&next=/calendar/", {
        "kind": "task", "subject": "Préparer le point", "due_at": local(1, 9).strftime("%Y-%m-%dT%H:%M"),
        "priority": "normal", "remind_before": "15", "next": "/calendar/",
    })

    task = Activity.objects.get()
    assert page.status_code == 200
    assert 'data-testid="kind-call"' not in page.content.decode()  # no record: only planned kinds
    assert (response.status_code, response["Location"]) == (302, "/calendar/")
    assert (task.kind, task.assignee, task.remind_at) == ("task", agent, local(1, 8, 45))


def test_the_quick_form_on_another_company_contact_is_404(agent_client, foreign_contact):
    response = agent_client.post(f"/activities/new/?contact={foreign_contact.pk}&kind=note",
                                 {"kind": "note", "subject": "Note"})

    assert response.status_code == 404
    assert Activity.objects.count() == 0


# --- Calendar ----------------------------------------------------------------------------------------------------

@pytest.fixture
def agenda(agent, colleague, contact):
    day = local(1, 0).date()
    return {
        "day": day,
        "rdv": planned(agent, subject="RDV Benali", kind="appointment", at=local(1, 10, 30), contact=contact),
        "task": planned(agent, subject="Rappeler Benali", at=local(1, 15), contact=contact),
        "colleague": planned(colleague, subject="RDV de Nadia", kind="appointment", at=local(1, 9),
                             contact=contact),
    }


def test_calendar_month_puts_items_on_their_day(agent_client, agenda):
    day = agenda["day"].isoformat()

    mine = agent_client.get(f"/calendar/?view=month&date={day}")
    agency = agent_client.get(f"/calendar/?view=month&date={day}&scope=agency")

    assert mine.status_code == 200
    assert block(mine, f"cal-day-{day}") == (
        f"{agenda['day'].day} Rendez-vous : 10:30 RDV Benali Déplacer « RDV Benali » Nouvelle date Heure Déplacer "
        "Tâche : 15:00 Rappeler Benali Déplacer « Rappeler Benali » Nouvelle date Heure Déplacer")
    assert "RDV de Nadia" not in text(mine)
    assert "09:00 RDV de Nadia (NK)" in block(agency, f"cal-day-{day}")
    assert 'draggable="true"' in mine.content.decode()


def test_calendar_week_and_day_put_items_in_their_hour(agent_client, agenda):
    day = agenda["day"].isoformat()

    week = agent_client.get(f"/calendar/?view=week&date={day}")
    one_day = agent_client.get(f"/calendar/?view=day&date={day}")

    for response in (week, one_day):
        assert response.status_code == 200
        assert "RDV Benali" in block(response, f"cal-slot-{day}-10")
        assert "Rappeler Benali" in block(response, f"cal-slot-{day}-15")
        assert block(response, f"cal-slot-{day}-11") == ""
    assert week.content.decode().count('data-testid="cal-slot-') == 7 * 24
    assert one_day.content.decode().count('data-testid="cal-slot-') == 24


def test_calendar_navigation_links(agent_client):
    response = agent_client.get("/calendar/?view=month&date=2026-01-15")

    page = response.content.decode()
    assert 'href="?view=month&amp;scope=mine&amp;date=2025-12-01" data-testid="calendar-prev"' in page
    assert 'href="?view=month&amp;scope=mine&amp;date=2026-02-01" data-testid="calendar-next"' in page
    assert "Janvier 2026" in text(response)
    assert 'data-testid="cal-day-2025-12-29"' in page  # French weeks start on Monday


# --- Reschedule endpoint ---------------------------------------------------------------------------------------------

def test_reschedule_by_drop_answers_json_and_moves_it(agent_client, agenda):
    rdv = agenda["rdv"]
    target = local(3, 0).date().isoformat()

    response = agent_client.post(f"/activities/{rdv.pk}/reschedule/", {"date": target}, **JSON)

    rdv.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {
        "ok": True, "id": rdv.pk, "date": target, "time": "10:30",
        "message": f"« RDV Benali » déplacé au {local(3, 10, 30):%d/%m/%Y} 10:30.",
    }
    assert (rdv.start_at, rdv.end_at) == (local(3, 10, 30), local(3, 11, 30))


def test_reschedule_into_the_past_is_400_with_the_reason(agent_client, agenda):
    rdv = agenda["rdv"]

    response = agent_client.post(f"/activities/{rdv.pk}/reschedule/",
                                 {"date": local(-1, 0).date().isoformat(), "time": "10:00"}, **JSON)

    rdv.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["message"] == "Cette date est passée : choisissez aujourd'hui ou plus tard."
    assert rdv.start_at == local(1, 10, 30)


def test_reschedule_without_a_date_is_400(agent_client, agenda):
    response = agent_client.post(f"/activities/{agenda['rdv'].pk}/reschedule/", {"date": "pas une date"}, **JSON)

    assert response.status_code == 400
    assert response.json()["errors"] == {"date": ["Saisissez une date valide."]}


def test_reschedule_someone_else_s_item_is_403_and_nothing_moves(agent_client, agenda):
    theirs = agenda["colleague"]

    response = agent_client.post(f"/activities/{theirs.pk}/reschedule/",
                                 {"date": local(2, 0).date().isoformat()}, **JSON)

    theirs.refresh_from_db()
    assert response.status_code == 403
    assert response.json()["message"] == "Vous ne pouvez modifier que vos propres activités."
    assert theirs.start_at == local(1, 9)


def test_reschedule_by_a_supervisor_is_403(client, supervisor, agenda):
    client.force_login(supervisor)

    response = client.post(f"/activities/{agenda['rdv'].pk}/reschedule/",
                           {"date": local(2, 0).date().isoformat()}, **JSON)

    assert response.status_code == 403
    assert response.json()["message"] == "Votre rôle ne permet pas de créer ou modifier des activités."


def test_reschedule_of_another_company_s_item_is_404(client, other_admin, agenda):
    client.force_login(other_admin)

    response = client.post(f"/activities/{agenda['rdv'].pk}/reschedule/",
                           {"date": local(2, 0).date().isoformat()}, **JSON)

    assert response.status_code == 404


def test_the_move_form_without_javascript_redirects_with_a_message(agent_client, agenda):
    rdv = agenda["rdv"]

    response = agent_client.post(f"/activities/{rdv.pk}/reschedule/",
                                 {"date": local(2, 0).date().isoformat(), "time": "08:15", "next": "/calendar/"},
                                 follow=True)

    rdv.refresh_from_db()
    assert response.redirect_chain == [("/calendar/", 302)]
    assert rdv.start_at == local(2, 8, 15)
    assert "« RDV Benali » déplacé au" in text(response)


# --- Notifications ---------------------------------------------------------------------------------------------------

def test_notifications_list_bell_and_mark_read(agent_client, agent, colleague):
    first = NotificationFactory(organization=agent.organization, user=agent, title="Rappel : RDV Benali",
                                url="/calendar/")
    NotificationFactory(organization=agent.organization, user=agent, title="Rappel : Relance")
    NotificationFactory(organization=agent.organization, user=colleague, title="Rappel de Nadia")

    page = agent_client.get("/notifications/")
    bell = agent_client.get("/notifications/bell/", **HTMX)
    opened = agent_client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    after_one = agent_client.get("/notifications/bell/", **HTMX)
    agent_client.post("/notifications/read-all/")
    after_all = agent_client.get("/notifications/bell/", **HTMX)

    assert page.content.decode().count('data-testid="notification"') == 2
    assert "Rappel de Nadia" not in text(page)
    assert text(bell) == "2 notifications non lues"
    assert (opened.status_code, opened["Location"]) == (302, "/calendar/")
    assert text(after_one) == "1 notification non lue"
    assert text(after_all) == ""
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 0
    assert Notification.objects.get(user=colleague).read_at is None


def test_someone_else_s_notification_is_404(agent_client, colleague):
    theirs = NotificationFactory(organization=colleague.organization, user=colleague)

    response = agent_client.post(f"/notifications/{theirs.pk}/read/")

    theirs.refresh_from_db()
    assert response.status_code == 404
    assert theirs.read_at is None


def test_the_bell_is_in_the_top_bar(agent_client):
    response = agent_client.get("/calendar/")

    assert 'data-testid="notifications-bell"' in response.content.decode()
    assert 'hx-get="/notifications/bell/"' in response.content.decode()


def test_sidebar_has_activities_and_calendar(agent_client):
    response = agent_client.get("/calendar/")

    assert 'data-testid="nav-activities"' in response.content.decode()
    assert 'data-testid="nav-calendar"' in response.content.decode()
