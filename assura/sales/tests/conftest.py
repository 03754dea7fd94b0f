from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.sales import services


@pytest.fixture
def contact(org, agent, agency):
    return ContactFactory(organization=org, owner=agent, agency=agency)


@pytest.fixture
def account(org, agent, agency):
    return AccountFactory(organization=org, owner=agent, agency=agency)


@pytest.fixture
def stages(org):
    return {s.name: s for s in services.stages_ensure(organization_id=org.pk)}


@pytest.fixture
def make_opp(agent, contact, stages):
    def make(actor=None, lines=None, **kwargs):
        kwargs.setdefault("name", "Flotte automobile Sonatrach")
        kwargs.setdefault("contact", contact)
        kwargs.setdefault("expected_close_date", timezone.localdate() + timedelta(days=10))
        return services.opportunity_create(
            actor=actor or agent, lines=lines if lines is not None else [
                {"branch": "automobile", "produit": "Flotte", "premium": Decimal("120000.50")},
                {"branch": "habitation", "produit": None, "premium": Decimal("30000.25")}],
            **kwargs)
    return make
