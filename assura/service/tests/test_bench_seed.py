"""The benchmark module at a small scale, so that it cannot rot; and the demo seed (idempotent)."""

import pytest
from django.core.management import call_command

from assura.customers.tests.factories import ContactFactory
from assura.service import bench
from assura.service.models import Category, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


def test_bench_seed_is_idempotent_and_cases_resolve(org, admin, agent, supervisor, client):
    for _ in range(5):
        ContactFactory(organization=org, email="x@example.dz", agency=agent.agency)
    info = bench.seed(org, scale=50, say=lambda *_: None)
    assert info == {"tickets": 50, "written": 50}
    assert TicketMessage.objects.filter(ticket__organization=org).count() >= 50
    assert bench.seed(org, scale=50, say=lambda *_: None)["written"] == 0
    assert len(set(Ticket.objects.values_list("reference", flat=True))) == 50
    for case in bench.cases(org, [supervisor, agent]):
        for email, paths in case["paths"].items():
            client.force_login(supervisor if email == supervisor.email else agent)
            for path in paths[:3]:
                assert client.get(path).status_code == 200, path
    breached_before = Ticket.objects.filter(sla_breached=True).count()
    rows = {r["case"]: r for r in bench.timings(org, [supervisor, agent], selected={"sla_scan", "triage"},
                                                say=lambda *_: None)}
    assert set(rows) == {"sla_scan", "triage"}
    assert all(r["status"] == "measured" and r["value"] >= 0 for r in rows.values()), rows
    assert "second run {'breached': 0, 'escalated': 0, 'at_risk': 0}" in rows["sla_scan"]["detail"]
    assert Ticket.objects.filter(sla_breached=True).count() == breached_before  # the scan was rolled back


def test_demo_seed_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_customers", "--contacts", "50", verbosity=0)
    call_command("seed_service", verbosity=0)
    tickets, categories = Ticket.objects.count(), Category.objects.count()
    assert tickets > 200 and categories >= 16
    call_command("seed_service", verbosity=0)
    assert (Ticket.objects.count(), Category.objects.count()) == (tickets, categories)
    assert Category.objects.filter(name="Retard d'indemnisation").exists()
