"""notify(): the record it is about, the event told once (event_key), the user's preferences per
category for in-app and e-mail (a real SMTP server receives the e-mail, in the user's language)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.query import QuerySet

from assura.core.models import Notification
from assura.core.notifications import category_of, default_preferences, preferences_of
from assura.core.records import notification_preferences_set, notify
from assura.customers.tests.factories import ContactFactory


@pytest.mark.parametrize("kind, category", [
    ("portfolio.dunning", "echeances"), ("portfolio.renewal", "renouvellements"),
    ("portfolio.claim_status", "sinistres"), ("ticket.escalated", "tickets"), ("activity.reminder", "rappels"),
    ("opportunity.assigned", "opportunites"), ("lead.assigned", "opportunites"),
    ("customer.birthday", "anniversaires"), ("import.done", "autres"),
])
def test_each_kind_falls_in_its_category(kind, category):
    assert category_of(kind) == category


def test_notify_links_the_customer_it_is_about(agent):
    contact = ContactFactory(organization=agent.organization)
    notification = notify(user=agent, kind="portfolio.dunning", title="Relance", url="/x/", about=contact)
    assert notification.content_type == ContentType.objects.get_for_model(contact)
    assert notification.object_id == contact.pk and notification.in_app is True


def test_same_event_key_notifies_once_and_returns_the_first(agent):
    first = notify(user=agent, kind="customer.birthday", title="Anniversaire", event_key="birthday:1:2026")
    again = notify(user=agent, kind="customer.birthday", title="Autre titre", event_key="birthday:1:2026")
    assert again.pk == first.pk and again.title == "Anniversaire"
    assert Notification.objects.filter(user=agent).count() == 1
    # The key is per user: a colleague is told too; no key: every call notifies.
    notify(user=agent, kind="autre", title="a")
    notify(user=agent, kind="autre", title="a")
    assert Notification.objects.filter(user=agent).count() == 3


def test_preferences_default_in_app_only(agent):
    assert preferences_of(agent) == default_preferences()
    assert all(p == {"in_app": True, "email": False} for p in default_preferences().values())


def test_preferences_set_stores_every_category_and_refuses_unknown(agent):
    stored = notification_preferences_set(actor=agent, preferences={"anniversaires": {"email": True}})
    agent.refresh_from_db()
    assert agent.notification_preferences == stored
    assert stored["anniversaires"] == {"in_app": False, "email": True}
    assert stored["tickets"] == {"in_app": False, "email": False}
    with pytest.raises(ValidationError):
        notification_preferences_set(actor=agent, preferences={"inconnue": {"email": True}})
    agent.refresh_from_db()
    assert agent.notification_preferences == stored


def test_in_app_off_creates_nothing_and_returns_none(agent, django_capture_on_commit_callbacks, mailoutbox):
    agent.notification_preferences = {"tickets": {"in_app": False, "email": False}}
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=agent, kind="ticket.assigned", title="Ticket") is None
    assert not Notification.objects.exists() and mailoutbox == []
    # Another category still arrives in-app.
    assert notify(user=agent, kind="portfolio.dunning", title="Relance") is not None


def test_email_on_sends_on_commit_by_smtp_in_the_users_language(agent, smtp, django_capture_on_commit_callbacks,
                                                                  settings):
    settings.SITE_URL = "https://crm.alliance.test"
    agent.language = "en"
    agent.notification_preferences = {"anniversaires": {"in_app": True, "email": True}}
    contact = ContactFactory(organization=agent.organization)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(user=agent, kind="customer.birthday", title="Anniversaire : Karim",
                              url=contact.get_absolute_url(), about=contact, event_key=f"birthday:{contact.pk}:2026")
    assert notification.in_app and len(callbacks) == 1 and smtp.messages == []  # nothing before the commit
    callbacks[0]()
    message = smtp.wait(1)[0]
    assert message["To"] == agent.email and message["Subject"] == "[Assura] Anniversaire : Karim"
    text = message.get_content()
    assert f"https://crm.alliance.test/contacts/{contact.pk}/" in text
    assert text.startswith("Hello ")  # framed in the user's language


def test_email_only_keeps_a_hidden_row_so_the_event_is_sent_once(agent, django_capture_on_commit_callbacks,
                                                                 mailoutbox):
    agent.notification_preferences = {"anniversaires": {"in_app": False, "email": True}}
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=agent, kind="customer.birthday", title="A", event_key="birthday:7:2026") is None
        assert notify(user=agent, kind="customer.birthday", title="A", event_key="birthday:7:2026") is None
    assert len(mailoutbox) == 1
    row = Notification.objects.get()
    assert row.in_app is False
    assert not Notification.objects.visible_to(agent).exists()  # not in the list nor the bell


def test_email_false_forces_no_email(agent, django_capture_on_commit_callbacks, mailoutbox):
    agent.notification_preferences = {"tickets": {"in_app": True, "email": True}}
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=agent, kind="ticket.assigned", title="T", email=False)
        notify(user=agent, kind="ticket.assigned", title="T")
    assert len(mailoutbox) == 1


def test_user_without_email_gets_no_email(agent, django_capture_on_commit_callbacks, mailoutbox):
    agent.email = ""
    agent.notification_preferences = {"tickets": {"in_app": False, "email": True}}
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=agent, kind="ticket.assigned", title="T") is None
    assert mailoutbox == [] and not Notification.objects.exists()


def test_event_key_is_unique_per_user_and_empty_keys_repeat(agent):
    Notification.objects.create(organization=agent.organization, user=agent, kind="a", title="a", event_key="k")
    Notification.objects.create(organization=agent.organization, user=agent, kind="a", title="a")
    Notification.objects.create(organization=agent.organization, user=agent, kind="a", title="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(organization=agent.organization, user=agent, kind="a", title="b", event_key="k")


def test_a_concurrent_insert_between_read_and_write_returns_the_winner(agent, monkeypatch):
    """The race: our read finds nothing, another worker inserts, our insert hits the constraint —
    the savepoint rolls back only that insert, and the winner's row is returned."""
    winner = Notification.objects.create(organization=agent.organization, user=agent, kind="customer.birthday",
                                         title="Premier", event_key="birthday:9:2026")
    real_get, misses = QuerySet.get, []

    def get_missing_once(self, *args, **kwargs):
        if self.model is Notification and not misses:
            misses.append(1)
            raise Notification.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", get_missing_once)
    with transaction.atomic():
        again = notify(user=agent, kind="customer.birthday", title="Second", event_key="birthday:9:2026")
        assert Notification.objects.filter(user=agent).count() == 1  # the transaction is still usable
    assert misses == [1] and again.pk == winner.pk and again.title == "Premier"
