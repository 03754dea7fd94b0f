"""The daily birthday notifications: each contact's manager is told once a year, in batches
(a constant number of queries whatever the number of contacts), 29 February kept on the 28th."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assura.core.models import Notification
from assura.customers.services import birthdays_notify
from assura.customers.tasks import notify_birthdays
from assura.customers.tests.factories import ContactFactory

ON = datetime.date(2026, 5, 14)


def born(org, owner, day, **extra):
    return ContactFactory(organization=org, owner=owner, birth_date=day, **extra)


def test_manager_told_once_even_if_run_twice(org, agent):
    karim = born(org, agent, datetime.date(1980, 5, 14), first_name="Karim", last_name="Benali")
    born(org, agent, datetime.date(1980, 5, 15))
    born(org, None, datetime.date(1990, 5, 14))  # no manager: nobody to tell
    assert birthdays_notify(on=ON) == 1
    assert birthdays_notify(on=ON) == 1
    note = Notification.objects.get()
    assert (note.user, note.kind, note.event_key) == (agent, "customer.birthday", f"birthday:{karim.pk}:2026")
    assert note.title == "Anniversaire : Karim Benali (46 ans)"
    assert note.url == f"/contacts/{karim.pk}/" and note.object_id == karim.pk
    # Next year, again.
    birthdays_notify(on=ON.replace(year=2027))
    assert Notification.objects.count() == 2


def test_the_task_runs_the_service(org, agent):
    born(org, agent, timezone.localdate().replace(year=1984))  # a leap year: 29 February fits too
    assert notify_birthdays.delay().get() == 1
    assert notify_birthdays.delay().get() == 1
    assert Notification.objects.filter(user=agent, kind="customer.birthday").count() == 1


def test_29_february_is_kept_on_the_28th_of_common_years(org, agent):
    leapling = born(org, agent, datetime.date(2000, 2, 29))
    assert birthdays_notify(on=datetime.date(2027, 2, 28)) == 1
    assert birthdays_notify(on=datetime.date(2028, 2, 28)) == 0  # a leap year: the 29th comes
    assert birthdays_notify(on=datetime.date(2028, 2, 29)) == 1
    assert sorted(Notification.objects.values_list("event_key", flat=True)) == [
        f"birthday:{leapling.pk}:2027", f"birthday:{leapling.pk}:2028"]


def test_inactive_or_foreign_managers_are_not_told(org, agent, other_admin):
    agent.is_active = False
    agent.save()
    born(org, agent, datetime.date(1980, 5, 14))
    born(org, other_admin, datetime.date(1980, 5, 14))  # a manager of another company: bad data, ignored
    assert birthdays_notify(on=ON) == 0
    assert not Notification.objects.exists()


def test_preferences_in_app_off_and_email(org, agent, admin, smtp, django_capture_on_commit_callbacks):
    agent.notification_preferences = {"anniversaires": {"in_app": False, "email": False}}
    agent.save()
    admin.notification_preferences = {"anniversaires": {"in_app": True, "email": True}}
    admin.save()
    born(org, agent, datetime.date(1980, 5, 14))
    mine = born(org, admin, datetime.date(1970, 5, 14), first_name="Lina", last_name="Haddad")
    with django_capture_on_commit_callbacks(execute=True):
        birthdays_notify(on=ON)
        birthdays_notify(on=ON)
    assert list(Notification.objects.values_list("user", "object_id")) == [(admin.pk, mine.pk)]
    message = smtp.wait(1)[0]
    assert message["To"] == admin.email and "Lina Haddad" in message["Subject"]
    assert f"/contacts/{mine.pk}/" in message.get_content()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("batch_size", [2, 1000])
def test_constant_queries_whatever_the_number_of_contacts(org, agent, batch_size):
    def run(n_before):
        for i in range(n_before):
            born(org, agent, datetime.date(1960 + i, 5, 14))
        with CaptureQueriesContext(connection) as queries:
            birthdays_notify(on=ON, batch_size=batch_size)
        return len(queries.captured_queries)

    few = run(2)
    many = run(20)
    assert Notification.objects.count() == 22
    batches_few, batches_many = -(-2 // batch_size), -(-22 // batch_size)
    # One read (chunked by the database cursor) plus one INSERT per batch: never a query per contact.
    assert many - few == batches_many - batches_few
    assert many <= 2 + batches_many
