"""Lists of a restricted scope find the rows first, then sort them (core/scoping.py): the same
rows in the same order as the plain query, on PostgreSQL; left alone elsewhere and for the
roles that see the whole company."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.core.scoping import narrowed
from assura.core.testing.factories import AgencyFactory
from assura.customers.models import Contact
from assura.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
ORDER = ("last_name", "first_name", "id")


@pytest.fixture
def scope(org, agency, agent):
    elsewhere = AgencyFactory(organization=org)
    for n in range(12):
        ContactFactory(organization=org, agency=agency, last_name=f"Nom{n % 5}")  # the agent's agency
        ContactFactory(organization=org, agency=elsewhere, owner=agent if n % 3 == 0 else None,
                       last_name=f"Nom{n % 4}")  # owned by the agent in another agency, or not visible
    return Contact.objects.visible_to(agent).order_by(*ORDER)


def test_any_lookup_selects_the_listed_ids_on_every_database(org):
    rows = [ContactFactory(organization=org) for _ in range(4)]
    wanted = [rows[0].pk, rows[2].pk]
    assert sorted(Contact.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == sorted(wanted)
    assert not Contact.objects.filter(pk__any=[]).exists()


def test_a_restricted_scope_gives_the_same_rows_in_the_same_order(scope, agent):
    expected = list(scope.values_list("pk", flat=True))
    assert len(expected) == 16  # 12 of the agency + 4 owned elsewhere

    with CaptureQueriesContext(connection) as queries:
        found = list(narrowed(scope, user=agent).values_list("pk", flat=True))

    assert found == expected
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 2 and "= ANY(" in queries.captured_queries[-1]["sql"]
    else:
        assert len(queries.captured_queries) == 1  # SQLite: the plain query


def test_beyond_the_cap_or_for_a_company_wide_role_the_list_is_untouched(scope, agent, supervisor):
    assert narrowed(scope, user=agent, cap=10).query.where == scope.query.where
    everything = Contact.objects.visible_to(supervisor).order_by(*ORDER)
    assert narrowed(everything, user=supervisor) is everything


def test_the_agents_api_list_gives_the_same_contacts(client, scope, agent):
    client.force_login(agent)
    expected = list(scope.values_list("pk", flat=True))
    api = client.get("/api/v1/contacts/", {"page_size": 100}).json()
    assert [row["id"] for row in api["results"]] == expected and api["count"] == len(expected)
