"""The bench seeding and cases, at a small scale, so that they cannot rot."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.customers.tests.factories import ContactFactory
from assura.portfolio import bench
from assura.portfolio.models import Claim, Instalment, Policy


def test_seed_is_idempotent_and_cases_answer(client, org, agency, supervisor, agent):
    for n in range(10):
        ContactFactory(organization=org, agency=agency, owner=agent if n % 2 else None)
    messages = []
    first = bench.seed(org, scale=50, say=messages.append)
    assert first["created"] == 50 and Policy.objects.count() == 50
    assert Claim.objects.count() == 13 and Instalment.objects.count() == first["instalments"] > 90
    assert bench.seed(org, scale=50, say=messages.append)["created"] == 0
    assert Policy.objects.count() == 50
    specs = bench.cases(org, [supervisor, agent])
    assert {s["key"] for s in specs} == {"portfolio_profile", "renewal_queue", "claims_list", "ageing_report"}
    for spec in specs:
        for user in (supervisor, agent):
            client.force_login(user)
            assert spec["paths"][user.email], spec["key"]
            for path in spec["paths"][user.email]:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(path).status_code == 200, path
                if spec.get("query_limit"):
                    assert len(queries.captured_queries) <= spec["query_limit"], path


def test_previous_nights_leave_one_night_of_work_and_the_nightly_run_is_safe_to_rerun(org, agency, supervisor,
                                                                                        agent):
    from assura.portfolio.models import DunningRecord, RenewalTask

    for n in range(10):
        ContactFactory(organization=org, agency=agency, owner=agent if n % 2 else None)
    info = bench.seed(org, scale=400, say=lambda *_: None)
    marked = info["previous_nights"]
    assert marked["renewals"] == RenewalTask.objects.count() > 0
    assert marked["dunning"] == DunningRecord.objects.count() > 0
    assert bench.previous_nights(org, say=lambda *_: None) == {"renewals": 0, "dunning": 0}  # idempotent

    [row] = bench.timings(org, [supervisor, agent], selected={"nightly_run"}, say=lambda *_: None)

    assert row["status"] == "measured" and row["pass"] is True, row
    assert "rows it added: none" in row["detail"]
    # Rolled back: the bench leaves the company as it found it.
    assert (RenewalTask.objects.count(), DunningRecord.objects.count()) == (marked["renewals"], marked["dunning"])
