"""The portfolio's dates on the profile's Notifications tab ("À venir"): instalments overdue or due
within 30 days, policies expiring within 90 days — in a constant number of queries."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.customers.tests.factories import ContactFactory
from assura.portfolio import selectors, services
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.models import Formula
from assura.portfolio.tests.factories import VEHICLE

TODAY = datetime.date.today()


def issue(actor, auto, contact, *, start, frequency="annuel"):
    return services.policy_create(actor=actor, product=auto, formula=Formula.objects.get(product=auto, code="RCE"),
                                  contact=contact, insured_object=dict(VEHICLE), owner=actor,
                                  effective_date=start, payment_frequency=frequency)


def test_upcoming_instalments_and_expiries_as_links(agent, other_admin):
    auto = seed_catalogue(agent.organization, branches=1)["AUTO-PART"]
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, owner=agent)
    expiring = issue(agent, auto, contact, start=TODAY - datetime.timedelta(days=300))  # ends in ~65 days
    later = issue(agent, auto, contact, start=TODAY - datetime.timedelta(days=10))  # ends in a year
    overdue = expiring.instalments.get()
    items = selectors.customer_upcoming(user=agent, record=contact, on=TODAY)
    labels = [(i.label, i.url, i.overdue) for i in items]
    assert (f"Échéance impayée — police {expiring.number}", overdue.get_absolute_url(), True) in labels
    assert (f"Fin de la police {expiring.number}", expiring.get_absolute_url(), False) in labels
    assert all(later.number not in i.label or i.label.startswith("Échéance") for i in items)
    assert not any(i.label == f"Fin de la police {later.number}" for i in items)
    assert selectors.customer_upcoming(user=other_admin, record=contact, on=TODAY) == []


def test_notifications_tab_queries_do_not_grow_with_the_portfolio(client, agent, django_assert_max_num_queries):
    auto = seed_catalogue(agent.organization, branches=1)["AUTO-PART"]
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, owner=agent)
    issue(agent, auto, contact, start=TODAY - datetime.timedelta(days=300), frequency="mensuel")
    client.force_login(agent)
    url = f"/contacts/{contact.pk}/?tab=notifications"
    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    assert first.status_code == 200 and "Fin de la police" in first.content.decode()
    for _ in range(5):
        issue(agent, auto, contact, start=TODAY - datetime.timedelta(days=330), frequency="mensuel")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Fin de la police") == 6
