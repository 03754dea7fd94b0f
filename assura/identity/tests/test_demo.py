"""The demo data command: idempotent, every login works, never in production."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from assura.core.permissions import Role
from assura.identity.choices import UserStatus
from assura.identity.management.commands.seed_demo import DEMO_COMPANIES, demo_logins
from assura.identity.models import Agency, Invitation, Organization, Region, User

DEMO_PASSWORD = "Assura-demo-2026"
MODELS = (Organization, Region, Agency, User, Invitation, EmailAddress)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded(db):
    seed()


def test_seeding_twice_creates_nothing_the_second_time(db):
    first_output = seed()
    after_first = counts()
    hashes = dict(User.objects.values_list("email", "password"))

    second_output = seed()

    assert "Demo data created:" in first_output
    assert "Demo data already present: nothing created." in second_output
    assert counts() == after_first
    assert dict(User.objects.values_list("email", "password")) == hashes
    assert after_first == {
        "Organization": 2, "Region": 8, "Agency": 23, "User": 19, "Invitation": 1, "EmailAddress": 18,
    }


def test_both_companies_are_demo_with_their_network(seeded):
    alliance = Organization.objects.get(name="Alliance Assurances (démo)")
    atlas = Organization.objects.get(name="Atlas Assurances (démo)")

    assert alliance.is_demo and atlas.is_demo
    assert alliance.employees_count == 800
    assert alliance.trade_register_number == "16/00-0012345B99"
    assert alliance.website == "https://www.alliance-assurances.example"
    assert alliance.mobile.startswith("+213")
    assert Region.objects.filter(organization=alliance).count() == 6
    assert Agency.objects.filter(organization=alliance).count() == 20
    assert Region.objects.filter(organization=atlas).count() == 2
    assert Agency.objects.filter(organization=atlas).count() == 3
    assert User.objects.filter(organization=atlas).count() == 3


def test_agency_numbers_follow_the_wilaya_pattern(seeded):
    for agency in Agency.objects.all():
        assert re.fullmatch(r"\d{3}-\d{3}", agency.number), agency.number
        assert agency.number[:3] == f"0{agency.wilaya}"
        assert agency.region is not None and agency.region.organization_id == agency.organization_id


@pytest.mark.parametrize(
    ("email", "role", "company"),
    [
        ("admin@alliance.demo", Role.ADMIN, "Alliance Assurances (démo)"),
        ("superviseur@alliance.demo", Role.SUPERVISOR, "Alliance Assurances (démo)"),
        ("editeur@alliance.demo", Role.EDITOR, "Alliance Assurances (démo)"),
        ("agent@alliance.demo", Role.USER, "Alliance Assurances (démo)"),
        ("admin@atlas.demo", Role.ADMIN, "Atlas Assurances (démo)"),
    ],
)
def test_named_logins_have_their_role_and_company(seeded, email, role, company):
    user = User.objects.select_related("organization", "agency").get(email=email)

    assert user.role == role
    assert user.organization.name == company
    assert user.status == UserStatus.ACTIVE and user.is_active
    if email == "agent@alliance.demo":
        assert user.agency.number == "016-001"


def test_every_active_demo_user_signs_in_with_the_demo_password(seeded):
    active = User.objects.filter(organization__is_demo=True, status=UserStatus.ACTIVE)
    assert {email for _company, _role, email in demo_logins()} <= set(active.values_list("email", flat=True))

    for user in active:
        assert Client().login(email=user.email, password=DEMO_PASSWORD), user.email
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()


def test_user_list_shows_every_status(seeded):
    invited = User.objects.get(status=UserStatus.INVITED)
    deactivated = User.objects.get(status=UserStatus.DEACTIVATED)

    assert invited.organization.name == "Alliance Assurances (démo)"
    assert not invited.is_active and not invited.has_usable_password()
    assert invited.invitation.is_pending
    assert invited.invitation.invited_by.email == "admin@alliance.demo"
    assert len(invited.invitation.nonce) == 32
    assert not deactivated.is_active and deactivated.deactivated_at is not None
    assert not Client().login(email=invited.email, password=DEMO_PASSWORD)
    assert not Client().login(email=deactivated.email, password=DEMO_PASSWORD)


def test_alliance_has_every_role(seeded):
    roles = set(User.objects.filter(organization__name="Alliance Assurances (démo)").values_list("role", flat=True))
    assert roles == set(Role.values)


def test_demo_data_spec_is_consistent():
    for company in DEMO_COMPANIES:
        numbers = {number for number, *_rest in company["agencies"]}
        regions = {code for code, _name in company["regions"]}
        assert all(region in regions for _n, _name, region, *_rest in company["agencies"])
        assert all(u.agency is None or u.agency in numbers for u in company["users"])


def test_refused_in_production(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        seed()

    assert Organization.objects.count() == 0
    assert User.objects.count() == 0
