"""Fixtures shared by every test: two companies, users of every role, clients."""

import os

import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.core.testing.smtp import smtp  # noqa: F401 (the shared fixture)

# Playwright's sync API runs an event loop in the test thread; Django's ORM is only
# touched synchronously from the same thread, so this guard is a false alarm here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits (allauth, DRF throttles) live in the cache: one test must not throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    return f.OrganizationFactory(name="Alliance Test")


@pytest.fixture
def other_org(db):
    return f.OrganizationFactory(name="Atlas Test")


@pytest.fixture
def agency(org):
    return f.AgencyFactory(organization=org, number="016-001")


@pytest.fixture
def admin(org, agency):
    return f.UserFactory(organization=org, agency=agency, role=Role.ADMIN, email="admin@alliance.test")


@pytest.fixture
def editor(org, agency):
    return f.UserFactory(organization=org, agency=agency, role=Role.EDITOR, email="editeur@alliance.test")


@pytest.fixture
def supervisor(org, agency):
    return f.UserFactory(organization=org, agency=agency, role=Role.SUPERVISOR, email="superviseur@alliance.test")


@pytest.fixture
def agent(org, agency):
    return f.UserFactory(organization=org, agency=agency, role=Role.USER, email="agent@alliance.test")


@pytest.fixture
def other_admin(other_org):
    agency = f.AgencyFactory(organization=other_org, number="031-001")
    return f.UserFactory(organization=other_org, agency=agency, role=Role.ADMIN, email="admin@atlas.test")


@pytest.fixture
def users_by_role(admin, editor, supervisor, agent):
    return {Role.ADMIN: admin, Role.EDITOR: editor, Role.SUPERVISOR: supervisor, Role.USER: agent}
