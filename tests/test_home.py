"""The home page gathers what each module has for the user today: tasks and opportunities
(sales), renewals due and unpaid premiums (portfolio), assigned requests (service desk), in a
number of queries that does not grow with the data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.customers.tests.factories import ContactFactory
from assura.portfolio.models import Instalment
from assura.portfolio.tests.factories import make_policy
from assura.service.choices import TicketStatus
from assura.service.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_the_agents_home_shows_renewals_unpaid_premiums_and_requests(client, org, agency, agent, admin):
    today = datetime.date.today()
    counter = iter(range(1, 100))

    def portfolio_and_tickets(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            contact = ContactFactory(organization=org, agency=agency, owner=agent, last_name=f"Client{i}")
            due = make_policy(org, contact=contact, owner=agent, agency=agency, number=f"AUT-H-{i:04d}",
                              effective_date=today - datetime.timedelta(days=345),
                              expiry_date=today + datetime.timedelta(days=19))
            Instalment.objects.create(organization=org, policy=due, contact=contact, owner=agent, agency=agency,
                                      sequence=1, due_date=today - datetime.timedelta(days=10),
                                      amount=Decimal("1735.50"))
            TicketFactory(organization=org, assignee=agent, agency=agency, status=TicketStatus.OPEN,
                          subject=f"Attestation demandée {i}")
    # Another agency's renewals, and a request assigned to someone else, stay off the agent's page.
    make_policy(org, owner=admin, number="AUT-H-AILLEURS", expiry_date=today + datetime.timedelta(days=10))
    TicketFactory(organization=org, assignee=admin, status=TicketStatus.OPEN, subject="Pas pour l'agent")

    portfolio_and_tickets(1)
    client.force_login(agent)
    client.get("/home/")
    with CaptureQueriesContext(connection) as small:
        body = client.get("/home/").content.decode()

    for section in ("renewals_due", "overdue_premiums", "assigned_tickets"):
        assert f'data-testid="home-{section}"' in body
    assert "AUT-H-0001" in body and "Attestation demandée 1" in body and "1\u202f735,50" in body.replace(
        "\xa0", "\u202f")
    assert "AUT-H-AILLEURS" not in body and "Pas pour l'agent" not in body

    portfolio_and_tickets(4)
    with CaptureQueriesContext(connection) as big:
        client.get("/home/")
    assert len(big) == len(small), [q["sql"][:120] for q in big.captured_queries]
