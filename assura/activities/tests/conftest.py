"""Fixtures of the activities tests: customers in the agent's agency, a second agency and its agent."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.leads.tests.factories import LeadFactory


def local(days: int, hour: int, minute: int = 0):
    """An aware datetime `days` from today at hour:minute, local time."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def contact(org, agency, agent):
    return ContactFactory(organization=org, agency=agency, owner=agent, last_name="Benali", first_name="Karim")


@pytest.fixture
def account(org, agency, agent):
    return AccountFactory(organization=org, agency=agency, owner=agent, name="SARL Atlas Transports")


@pytest.fixture
def lead(org, agency, agent):
    return LeadFactory(organization=org, agency=agency, owner=agent, full_name="Yacine Belkacem")


@pytest.fixture
def colleague(org, agency):
    """Another Utilisateur of the same agency."""
    return f.UserFactory(organization=org, agency=agency, role=Role.USER, email="collegue@alliance.test",
                         first_name="Nadia", last_name="Kaci")


@pytest.fixture
def oran(org):
    return f.AgencyFactory(organization=org, number="031-002", name="Oran Centre", wilaya="31")


@pytest.fixture
def far_agent(org, oran):
    """An Utilisateur of another agency of the same company."""
    return f.UserFactory(organization=org, agency=oran, role=Role.USER, email="oran@alliance.test",
                         first_name="Walid", last_name="Mansouri")


@pytest.fixture
def far_contact(org, oran, far_agent):
    return ContactFactory(organization=org, agency=oran, owner=far_agent, last_name="Zerrouki", first_name="Lina")


@pytest.fixture
def foreign_contact(other_org):
    return ContactFactory(organization=other_org, last_name="Haddad")
