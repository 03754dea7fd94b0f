"""Activities in a real browser: create a contact and log a call on its timeline, filter the timeline, drag an
appointment to another day on the calendar (and see a refusal put it back), read a reminder."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assura.activities import services
from assura.activities.models import Activity
from assura.core.permissions import Role
from assura.core.records import notify
from assura.core.testing import factories as f
from assura.customers.models import Contact
from assura.customers.tests.factories import ContactFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def local(days: int, hour: int, minute: int = 0):
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def agent():
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    return f.UserFactory(organization=org, agency=agency, role=Role.USER, email="karim.meziane@sahel.test",
                         first_name="Karim", last_name="Meziane")


def test_create_a_contact_log_a_call_and_see_it_on_the_timeline(page, agent):
    # Given an agent who creates a contact through the form
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)
    page.goto("/contacts/new/")
    page.fill("input[name=last_name]", "Benali")
    page.fill("input[name=first_name]", "Samir")
    page.fill("input[name=phone_mobile]", "0550 12 34 56")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r"/contacts/\d+/"))
    contact = Contact.objects.get(last_name="Benali")
    assert (contact.owner_id, contact.agency_id, contact.phone) == (agent.pk, agent.agency_id, "+213550123456")
    # … on which a colleague's note is already logged
    services.activity_create(actor=agent, kind="note", subject="Préfère être appelé le matin", contact=contact,
                             occurred_at=timezone.now() - timedelta(days=1))

    # When they open the contact's activities and log a call
    page.goto(f"/contacts/{contact.pk}/?tab=activites")
    timeline = page.locator("[data-testid=timeline]")
    timeline.wait_for()
    page.click("[data-testid=quicklog-call]")
    form = page.locator("[data-testid=quicklog-form]")
    form.wait_for()
    form.locator("input[name=subject]").fill("Appel de renouvellement auto")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("input[name=duration_minutes]").fill("6")
    form.locator("textarea[name=body]").fill("<script>alert(1)</script> Accepte le devis")
    page.click("[data-testid=quicklog-submit]")

    # Then the call is on top of the timeline, with its details, and nothing ran
    page.locator("[data-testid=timeline-message]").wait_for()
    entries = page.locator("[data-testid=timeline-entry]")
    assert entries.count() == 2
    first = entries.first.inner_text()
    assert "Appel de renouvellement auto" in first
    assert "Téléphone" in first and "Sortant · 6 min 00 s · Joint" in first
    assert "<script>alert(1)</script> Accepte le devis" in first
    assert "par Karim Meziane" in first
    assert "Préfère être appelé le matin" in entries.nth(1).inner_text()
    call = Activity.objects.get(kind="call")
    assert (call.contact_id, call.duration_seconds, call.status, call.assignee_id) == (contact.pk, 360, "done",
                                                                                         agent.pk)

    # When they keep only the notes
    page.select_option("[data-testid=timeline-kind]", "note")
    expect(page.locator("[data-testid=timeline-entry]")).to_have_count(1)

    # Then only the note is left
    assert "Préfère être appelé le matin" in page.locator("[data-testid=timeline-entry]").inner_text()
    assert page.console_errors == []


def test_drag_an_appointment_to_another_day_and_a_refusal_puts_it_back(page, agent):
    # Given an appointment tomorrow and a task of a colleague on the agency calendar
    colleague = f.UserFactory(organization=agent.organization, agency=agent.agency, role=Role.USER,
                              email="nadia@sahel.test", first_name="Nadia", last_name="Kaci")
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, owner=agent, last_name="Benali")
    rdv = services.activity_create(actor=agent, kind="appointment", subject="RDV Benali", contact=contact,
                                   start_at=local(1, 10, 30))
    other = services.activity_create(actor=colleague, kind="appointment", subject="RDV de Nadia", contact=contact,
                                     start_at=local(1, 14))
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)

    # When they open the week calendar and drop their appointment two days later at 15:00
    page.click("[data-testid=nav-calendar]")
    page.wait_for_url(re.compile(r"/calendar/$"))
    page.click("[data-testid=calendar-view-week]")
    target_day = local(2, 0).date()
    if target_day.isoformat() not in page.content():  # the week ended: go to the next one
        page.click("[data-testid=calendar-next]")
    item = page.locator(f"[data-testid=cal-item][data-id='{rdv.pk}']")
    item.drag_to(page.locator(f"[data-testid=cal-slot-{target_day.isoformat()}-15]"))

    # Then it is saved there, keeping its minutes and its length
    page.locator("[data-testid=calendar-message]").first.wait_for()
    assert "« RDV Benali » déplacé au" in page.locator("[data-testid=calendar-message]").first.inner_text()
    rdv.refresh_from_db()
    assert (rdv.start_at, rdv.end_at) == (local(2, 15, 30), local(2, 16, 30))
    assert item.locator(".cal-time").inner_text() == "15:30"

    # When, on the agency view, they try to drop a colleague's appointment into the past
    page.goto(f"/calendar/?view=month&scope=agency&date={local(1, 0).date().isoformat()}")
    theirs = page.locator(f"[data-testid=cal-item][data-id='{other.pk}']")
    assert theirs.get_attribute("draggable") is None  # not theirs to move: no drag handle

    # And drop their own appointment on yesterday
    mine = page.locator(f"[data-testid=cal-item][data-id='{rdv.pk}']")
    yesterday = local(-1, 0).date().isoformat()
    if page.locator(f"[data-testid=cal-day-{yesterday}]").count():
        mine.drag_to(page.locator(f"[data-testid=cal-day-{yesterday}]"))
        # Then the server refuses, the item goes back and the reason is shown
        alert = page.locator("[data-testid=calendar-message].alert-danger")
        alert.wait_for()
        assert alert.inner_text().strip() == "Cette date est passée : choisissez aujourd'hui ou plus tard."
        day_cell = page.locator(f"[data-testid=cal-day-{local(2, 0).date().isoformat()}]")
        assert day_cell.locator(f"[data-id='{rdv.pk}']").count() == 1
        rdv.refresh_from_db()
        assert rdv.start_at == local(2, 15, 30)
    # The browser logs the refused request itself; nothing else may fail.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_the_bell_counts_unread_reminders(page, agent):
    # Given a reminder notification for the agent
    notify(user=agent, kind="activity.reminder", title="Rappel : RDV Benali", url="/calendar/")
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)

    # Then the bell shows one unread notification
    badge = page.locator("[data-testid=notifications-count]")
    badge.wait_for()
    assert badge.inner_text().startswith("1")

    # When they open it from the list
    page.click("[data-testid=notifications-bell]")
    page.wait_for_url(re.compile(r"/notifications/$"))
    page.click("[data-testid=notification-open]")

    # Then they land on the calendar and the bell is quiet
    page.wait_for_url(re.compile(r"/calendar/$"))
    page.wait_for_timeout(300)
    assert page.locator("[data-testid=notifications-count]").count() == 0
    assert page.console_errors == []
