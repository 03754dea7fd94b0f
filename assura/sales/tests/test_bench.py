"""The benchmark module seeds (idempotently) and its case URLs answer, at a small scale."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.sales import bench
from assura.sales.models import Opportunity, OpportunityLine, SalesTarget, StageHistory


def test_seed_small_scale_is_idempotent_and_cases_answer(org, agency, agent, supervisor):
    for _ in range(5):
        ContactFactory(organization=org)
    AccountFactory(organization=org)
    info = bench.seed(org, scale=50, say=lambda *a: None)
    assert info["opportunities"] == 50
    assert OpportunityLine.objects.filter(organization=org).count() >= 50
    assert StageHistory.objects.filter(organization=org).count() >= 50
    assert SalesTarget.objects.filter(organization=org).exists()
    again = bench.seed(org, scale=50, say=lambda *a: None)
    assert again["created"] == 0 and Opportunity.objects.filter(organization=org).count() == 50
    specs = bench.cases(org, [supervisor, agent])
    assert {s["key"] for s in specs} == {"kanban", "forecast", "home", "dashboard"}
    for spec in specs:
        for email, paths in spec["paths"].items():
            user = supervisor if email == supervisor.email else agent
            client = Client()
            client.force_login(user)
            for path in paths:
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(path)
                assert response.status_code == 200, path
                if spec["query_limit"] and "/api/" not in path:
                    client.get(path)  # first visits create default widgets / stages
                    with CaptureQueriesContext(connection) as queries:
                        client.get(path)
                    assert len(queries) <= spec["query_limit"], (path, len(queries))
