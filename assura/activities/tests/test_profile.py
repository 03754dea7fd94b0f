"""The customer profile's Notifications and Rappels tabs, the "Nouveau rappel" form, and the
notification preferences page."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assura.activities import services
from assura.activities.models import Activity
from assura.activities.profile import next_birthday
from assura.activities.tests.conftest import local
from assura.core.records import notify

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def section(response, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(ul|table)>', response.content.decode(), re.S)
    assert match, f"no {testid}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


# --- Preferences -----------------------------------------------------------------------------------------------

def test_preferences_page_reachable_from_the_list_and_the_menu(client, agent):
    client.force_login(agent)
    listing = client.get("/notifications/").content.decode()
    assert 'href="/notifications/preferences/"' in listing
    assert 'data-testid="menu-notification-preferences"' in listing
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="anniversaires__in_app" id="id_anniversaires__in_app" checked' in body
    assert 'name="anniversaires__email" id="id_anniversaires__email">' in body
    assert "Échéances et impayés" in body and "Opportunités et pistes" in body


def test_preferences_saved_per_user(client, agent, colleague):
    client.force_login(agent)
    response = client.post("/notifications/preferences/", {"anniversaires__email": "on", "tickets__in_app": "on",
                                                            "echeances__in_app": "on", "echeances__email": "on"})
    assert response.status_code == 302 and response["Location"] == "/notifications/preferences/"
    agent.refresh_from_db()
    prefs = agent.notification_preferences
    assert prefs["anniversaires"] == {"in_app": False, "email": True}
    assert prefs["echeances"] == {"in_app": True, "email": True}
    assert prefs["rappels"] == {"in_app": False, "email": False}
    colleague.refresh_from_db()
    assert colleague.notification_preferences == {}
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="anniversaires__email" id="id_anniversaires__email" checked' in page
    assert 'name="anniversaires__in_app" id="id_anniversaires__in_app">' in page


def test_preferences_in_app_off_then_notify_adds_nothing_to_the_bell(client, agent):
    client.force_login(agent)
    client.post("/notifications/preferences/", {"echeances__in_app": "on"})
    agent.refresh_from_db()
    assert notify(user=agent, kind="ticket.assigned", title="Ticket T-1") is None
    assert notify(user=agent, kind="portfolio.dunning", title="Relance P-1") is not None
    page = text(client.get("/notifications/"))
    assert "Relance P-1" in page and "Ticket T-1" not in page


# --- Notifications tab --------------------------------------------------------------------------------------------

def test_notifications_tab_lists_mine_about_this_customer(client, agent, colleague, contact, account):
    notify(user=agent, kind="portfolio.dunning", title="Relance sur Karim", about=contact, url="/x/")
    notify(user=agent, kind="portfolio.dunning", title="Relance sur Atlas", about=account)
    notify(user=colleague, kind="portfolio.dunning", title="Pour la collègue", about=contact)
    notify(user=agent, kind="autre", title="Sans client")
    client.force_login(agent)
    page = client.get(f"/contacts/{contact.pk}/?tab=notifications")
    assert page.status_code == 200
    listed = section(page, "profile-notifications")
    assert "Relance sur Karim" in listed
    assert "Atlas" not in listed and "collègue" not in listed and "Sans client" not in listed
    assert "Relance sur Atlas" in section(client.get(f"/accounts/{account.pk}/?tab=notifications"),
                                          "profile-notifications")


def test_notifications_tab_newest_first_limited_to_50(client, agent, contact):
    for i in range(55):
        notify(user=agent, kind="autre", title=f"Note n°{i:02d}", about=contact)
    client.force_login(agent)
    listed = section(client.get(f"/contacts/{contact.pk}/?tab=notifications"), "profile-notifications")
    assert listed.startswith("Note n°54") and "Note n°05" in listed and "Note n°04" not in listed


def test_notifications_tab_shows_the_birthday_to_come(client, agent, contact):
    today = timezone.localdate()
    contact.birth_date = (today + datetime.timedelta(days=3)).replace(year=1984)  # a leap year: any day fits
    contact.save()
    client.force_login(agent)
    upcoming = section(client.get(f"/contacts/{contact.pk}/?tab=notifications"), "profile-upcoming")
    assert "Anniversaire" in upcoming and (today + datetime.timedelta(days=3)).strftime("%d/%m/%Y") in upcoming


@pytest.mark.parametrize("on, born, expected", [
    (datetime.date(2026, 5, 14), datetime.date(1980, 5, 14), datetime.date(2026, 5, 14)),
    (datetime.date(2026, 5, 15), datetime.date(1980, 5, 14), datetime.date(2027, 5, 14)),
    (datetime.date(2027, 2, 1), datetime.date(2000, 2, 29), datetime.date(2027, 2, 28)),
    (datetime.date(2028, 2, 1), datetime.date(2000, 2, 29), datetime.date(2028, 2, 29)),
])
def test_next_birthday(on, born, expected):
    assert next_birthday(born, on) == expected


@pytest.mark.parametrize("tab", ["notifications", "rappels"])
def test_tabs_run_a_constant_number_of_queries(client, agent, contact, tab, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            notify(user=agent, kind="portfolio.dunning", title=f"Relance {i}", about=contact)
            services.activity_create(actor=agent, kind="task", subject=f"Rappeler {i}", contact=contact,
                                     due_at=local(2, 10), remind_at=local(2, 9))
            Activity.objects.create(organization=agent.organization, kind="task", subject=f"Ancien {i}",
                                    contact=contact, assignee=agent, status="done", occurred_at=local(-3, 9),
                                    remind_at=local(-3, 8))
    fill(1)
    client.force_login(agent)
    url = f"/contacts/{contact.pk}/?tab={tab}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    fill(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- Rappels tab and "Nouveau rappel" ----------------------------------------------------------------------------

def test_reminders_tab_upcoming_first_then_past_with_status(client, agent, contact, far_contact):
    services.activity_create(actor=agent, kind="task", subject="Appeler pour l'avenant", contact=contact,
                             due_at=local(5, 10), remind_at=local(5, 9))
    services.activity_create(actor=agent, kind="task", subject="Demain", contact=contact,
                             due_at=local(1, 10), remind_at=local(1, 9))
    Activity.objects.create(organization=agent.organization, kind="task", subject="Relance passée",
                            contact=contact, assignee=agent, status="done", occurred_at=local(-2, 9),
                            remind_at=local(-2, 8))
    services.activity_create(actor=agent, kind="task", subject="Sans rappel", contact=contact, due_at=local(3, 10))
    client.force_login(agent)
    page = client.get(f"/contacts/{contact.pk}/?tab=rappels")
    rows = section(page, "profile-reminders")
    assert rows.index("Demain") < rows.index("Appeler pour l'avenant") < rows.index("Relance passée")
    assert "Sans rappel" not in rows
    assert 'data-status="done"' in page.content.decode() and 'data-status="planned"' in page.content.decode()
    assert 'data-testid="reminder-form"' in page.content.decode()


def test_new_reminder_creates_a_task_assigned_to_me(client, agent, contact, mailoutbox):
    client.force_login(agent)
    at = local(3, 9, 30)
    response = client.post(f"/contacts/{contact.pk}/reminders/new/", {
        "subject": "Rappeler pour le renouvellement", "remind_at": at.strftime("%Y-%m-%dT%H:%M"),
        "remind_by_email": "on"})
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/?tab=rappels"
    task = Activity.objects.get()
    assert (task.kind, task.status, task.contact, task.assignee, task.created_by) == (
        "task", "planned", contact, agent, agent)
    assert task.due_at == at and task.remind_at == at and task.remind_by_email is True
    assert "Rappeler pour le renouvellement" in section(client.get(response["Location"]), "profile-reminders")


def test_new_reminder_on_an_account(client, agent, account):
    client.force_login(agent)
    response = client.post(f"/accounts/{account.pk}/reminders/new/", {
        "subject": "Point annuel", "remind_at": local(10, 11).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    task = Activity.objects.get()
    assert task.account == account and task.contact is None and task.remind_by_email is False


@pytest.mark.parametrize("data, field, message", [
    ({"subject": "X", "remind_at": "demain"}, "remind_at", "Saisissez une date et une heure valides."),
    ({"subject": "X", "remind_at": "2020-01-01T10:00"}, "remind_at", "Choisissez une date et une heure à venir."),
    ({"subject": "", "remind_at": "2099-01-01T10:00"}, "subject", "Ce champ est obligatoire."),
])
def test_new_reminder_errors_in_french_beside_the_field(client, agent, contact, data, field, message):
    client.force_login(agent)
    response = client.post(f"/contacts/{contact.pk}/reminders/new/", data)
    assert response.status_code == 200
    assert message in response.context["reminder_form"].errors[field]
    assert message in text(response) and response.context["active_tab"] == "rappels"
    assert not Activity.objects.exists()


def test_new_reminder_refused_to_a_role_that_may_not_plan(client, supervisor, contact):
    client.force_login(supervisor)
    response = client.post(f"/contacts/{contact.pk}/reminders/new/", {
        "subject": "X", "remind_at": local(3, 9).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 403 and not Activity.objects.exists()
    page = client.get(f"/contacts/{contact.pk}/?tab=rappels")
    assert page.status_code == 200 and 'data-testid="reminder-form"' not in page.content.decode()


def test_new_reminder_on_another_companys_or_unseen_customer_is_404(client, agent, foreign_contact, far_contact,
                                                                    other_admin, contact):
    client.force_login(agent)
    payload = {"subject": "X", "remind_at": local(3, 9).strftime("%Y-%m-%dT%H:%M")}
    assert client.post(f"/contacts/{foreign_contact.pk}/reminders/new/", payload).status_code == 404
    assert client.post(f"/contacts/{far_contact.pk}/reminders/new/", payload).status_code == 404  # other agency
    client.force_login(other_admin)
    assert client.post(f"/contacts/{contact.pk}/reminders/new/", payload).status_code == 404
    assert client.get(f"/contacts/{contact.pk}/?tab=notifications").status_code == 404
    assert not Activity.objects.exists()
