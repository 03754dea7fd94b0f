"""The bulk generator of realistic customers (demo data and benchmark): deterministic, valid,
searchable as the services would have made it. No timing here: speed is `make bench`'s job."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assura.activities.choices import ActivityKind, ActivityStatus
from assura.activities.models import Activity
from assura.core.permissions import Role
from assura.core.search import normalize, search_text
from assura.core.testing import factories as f
from assura.core.validators import normalize_phone
from assura.customers.models import Account, Contact, Relationship
from assura.customers.seeding import seed_customers, seed_history
from assura.customers.services import refresh_account_search, refresh_contact_search
from assura.customers.validators import clean_nin
from assura.leads.models import Lead

pytestmark = pytest.mark.django_db

LOGGED = {ActivityKind.CALL, ActivityKind.NOTE, ActivityKind.EMAIL, ActivityKind.SMS, ActivityKind.VISIT}


def company(name: str, email: str):
    org = f.OrganizationFactory(name=name)
    agency = f.AgencyFactory(organization=org, number="016-001", wilaya="16")
    f.UserFactory(organization=org, agency=agency, role=Role.USER, email=email)
    return org


def people(org) -> list[tuple]:
    return list(Contact.objects.filter(organization=org).order_by("code").values_list(
        "code", "civility", "last_name", "first_name", "last_name_ar", "birth_date", "nin", "phone", "email",
        "wilaya_id", "address"))


def test_the_same_seed_gives_the_same_customers():
    first, second = company("Alliance A", "a@a.test"), company("Alliance B", "b@b.test")

    seed_customers(organization=first, contacts=40, accounts=4, leads=6, seed=7)
    seed_customers(organization=second, contacts=40, accounts=4, leads=6, seed=7)

    assert people(first) == people(second)
    assert len(people(first)) == 40
    assert Account.objects.filter(organization=first).count() == 4
    assert Lead.objects.filter(organization=first).count() == 6
    assert (list(Lead.objects.filter(organization=first).order_by("full_name").values_list("full_name", "phone"))
            == list(Lead.objects.filter(organization=second).order_by("full_name").values_list("full_name", "phone")))


def test_contacts_are_valid_and_searchable_as_the_services_make_them(org, agency, agent):
    seed_customers(organization=org, contacts=60, accounts=0, leads=0, seed=3)

    contacts = list(Contact.objects.filter(organization=org).order_by("code"))
    assert [c.code for c in contacts] == [f"C{n:08d}" for n in range(1, 61)]
    for contact in contacts:
        stored = (contact.search_text, contact.name_key)
        refresh_contact_search(contact)
        assert stored == (contact.search_text, contact.name_key) != ("", "")
        contact.full_clean(validate_unique=False, validate_constraints=False)
        assert normalize_phone(contact.phone) == contact.phone
        assert contact.phone[:6] in {"+21355", "+21366", "+21367", "+21368", "+21369", "+21377", "+21378", "+21379"}
        assert len(contact.phone) == 13
        assert contact.phones[0] == {"type": "mobile", "number": contact.phone}
        assert all(normalize_phone(p["number"]) == p["number"] for p in contact.phones)
        if contact.nin:
            assert clean_nin(contact.nin) == contact.nin and len(contact.nin) == 18
        assert contact.emails == ([contact.email] if contact.email else [])
        assert (contact.civility, contact.gender) in {("M", "M"), ("MME", "F")}
        assert 1940 <= contact.birth_date.year <= 2005
        assert contact.agency_id == agency.pk and contact.owner_id in (agent.pk, None)
    assert len({c.phone for c in contacts}) == 60
    assert len({c.nin for c in contacts if c.nin}) == len([c for c in contacts if c.nin])
    found = Contact.objects.filter(organization=org, search_text__contains=normalize(contacts[0].last_name))
    assert contacts[0] in found


def test_accounts_and_leads_fill_their_search_columns(org, agency, agent):
    seed_customers(organization=org, contacts=5, accounts=8, leads=10, seed=4)

    for account in Account.objects.filter(organization=org):
        stored = (account.search_text, account.name_key)
        refresh_account_search(account)
        assert stored == (account.search_text, account.name_key)
        account.full_clean(validate_unique=False, validate_constraints=False)
        assert len(account.nif) == 15 and len(account.nis) == 15
    for lead in Lead.objects.filter(organization=org):
        assert lead.search_text == search_text(lead.full_name, lead.company, lead.email, phones=[lead.phone])
        lead.full_clean(validate_unique=False, validate_constraints=False)
        assert lead.created_at <= timezone.now()


def test_activities_follow_the_rules_of_the_activities_services(org, agency, agent):
    seed_customers(organization=org, contacts=30, accounts=3, leads=3, activities_per_contact=4, seed=5)

    now = timezone.now()
    activities = list(Activity.objects.filter(organization=org))
    assert len(activities) > 60
    for activity in activities:
        assert activity.search_text == normalize(activity.subject)
        assert activity.contact_id or activity.account_id or activity.lead_id
        assert activity.channel == {"call": "phone", "email": "email", "sms": "sms", "visit": "agency"}.get(
            activity.kind, activity.channel)
        if activity.kind in LOGGED:
            assert activity.status == ActivityStatus.DONE and activity.occurred_at <= now
            assert (activity.due_at, activity.start_at, activity.remind_at) == (None, None, None)
        elif activity.kind == ActivityKind.TASK:
            assert activity.due_at == activity.occurred_at and activity.start_at is None
        else:
            assert activity.start_at == activity.occurred_at < activity.end_at and activity.due_at is None
        if activity.occurred_at > now:
            assert activity.status == ActivityStatus.PLANNED
        assert activity.occurred_at <= now + timedelta(days=32)
        activity.full_clean(validate_unique=False, validate_constraints=False)


def test_households_link_people_of_the_same_company(org, agency, agent):
    seed_customers(organization=org, contacts=80, seed=6)

    links = list(Relationship.objects.filter(organization=org).select_related("contact", "related_contact"))
    spouses = [r for r in links if r.kind == "conjoint"]
    assert spouses and all({r.contact.gender, r.related_contact.gender} == {"M", "F"} for r in spouses)
    children = [r for r in links if r.kind == "enfant"]
    assert all(r.related_contact.birth_date.year >= r.contact.birth_date.year + 18 for r in children)


def test_deliberate_duplicates_are_the_same_person_spelled_differently(org, agency, agent):
    seed_customers(organization=org, contacts=0, duplicates=3, seed=8)

    rows = list(Contact.objects.filter(organization=org).order_by("code").values_list(
        "last_name", "name_key", "birth_date"))
    pairs = list(zip(rows[::2], rows[1::2], strict=True))
    assert [(a[0], b[0]) for a, b in pairs] == [("Aïssani", "AISSANI"), ("Benaïssa", "Benaisa"), ("Saâdi", "Saadi")]
    assert all(a[1] == b[1] and a[2] == b[2] for a, b in pairs)


def test_seed_history_gives_a_long_timeline(org, agency, agent):
    seed_customers(organization=org, contacts=2, activities_per_contact=0, seed=9)
    contact = Contact.objects.filter(organization=org).first()

    written = seed_history(organization=org, contacts=[contact], count=50)

    assert written == 50 == Activity.objects.filter(contact=contact).count()


def test_seed_customers_command_is_idempotent_and_refused_in_production(settings):
    call_command("seed_demo", stdout=io.StringIO())

    out = io.StringIO()
    call_command("seed_customers", "--contacts", "50", stdout=out)
    again = io.StringIO()
    call_command("seed_customers", "--contacts", "50", stdout=again)

    alliance = Contact.objects.filter(organization__name="Alliance Assurances (démo)")
    assert alliance.count() == 50
    assert Contact.objects.filter(organization__name="Atlas Assurances (démo)").count() == 3
    assert "already present, nothing created" in again.getvalue()
    assert alliance.filter(owner__email="agent@alliance.demo").exists()
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_customers", "--force", stdout=io.StringIO())
    assert alliance.count() == 50

