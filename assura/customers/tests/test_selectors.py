"""Reads of the customers app: normalised search, the list filters, relationships as seen
from each side — always within what the user may see."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from assura.core.testing import factories as f
from assura.customers import selectors, services
from assura.customers.filters import AccountFilterSet, ContactFilterSet
from assura.customers.tests.factories import (
    AccountFactory,
    ConsentFactory,
    ContactFactory,
    RelationshipFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def names(qs) -> list[str]:
    return sorted(c.last_name for c in qs)


def filtered(user, params, filterset=ContactFilterSet, base=None):
    request = RequestFactory().get("/", params)
    request.user = user
    qs = base if base is not None else selectors.contact_list(user=user)
    fs = filterset(request.GET, queryset=qs, request=request)
    assert fs.is_valid(), fs.errors
    return fs.qs


@pytest.fixture
def people(admin):
    """Contacts typed by people, through the service (so the search column is filled)."""
    return {
        "aissani": services.contact_create(actor=admin, last_name="AÏSSANI", first_name="Karim",
                                           phone="+213550123456"),
        "benali": services.contact_create(actor=admin, last_name="Benali", first_name="Sara",
                                          last_name_ar="بن علي", first_name_ar="سارة", email="sara@exemple.dz"),
        "haddad": services.contact_create(actor=admin, last_name="Haddad", first_name="Ahmed",
                                          first_name_ar="أحمد", nin="123456789012345678"),
    }


# --- Search -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("aissani", ["AÏSSANI"]),
    ("AÏSSANI karim", ["AÏSSANI"]),
    ("Aïssani", ["AÏSSANI"]),
    ("0550 12 34 56", ["AÏSSANI"]),
    ("0550.12.34.56", ["AÏSSANI"]),
    ("+213 550 12 34 56", ["AÏSSANI"]),
    ("550123456", ["AÏSSANI"]),
    ("بن علي", ["Benali"]),
    ("احمد", ["Haddad"]),
    ("SARA@EXEMPLE.DZ", ["Benali"]),
    ("123456789012345678", ["Haddad"]),
    ("C00000002", ["Benali"]),
    ("inconnu", []),
], ids=["no-accents", "two-words", "accents", "local-phone", "dotted-phone", "international-phone",
        "partial-phone", "arabic", "arabic-hamza-folded", "email-case", "nin", "code", "nothing"])
def test_search_is_accent_case_punctuation_and_phone_tolerant(admin, people, query, expected):
    assert names(selectors.contact_list(user=admin, query=query)) == expected
    assert names(filtered(admin, {"q": query})) == expected


def test_account_search(admin):
    services.account_create(actor=admin, name="Société Générale des Transports", nif="000016001234567")
    services.account_create(actor=admin, name="Cosider Travaux Publics", name_ar="كوسيدار")

    assert [a.name for a in selectors.account_list(user=admin, query="societe generale")] == [
        "Société Générale des Transports"]
    assert [a.name for a in filtered(admin, {"q": "كوسيدار"}, AccountFilterSet, selectors.account_list(user=admin))
            ] == ["Cosider Travaux Publics"]


# --- Filters ----------------------------------------------------------------------------------------

def test_filters_owner_agency_wilaya_segment(admin, agent, org, agency):
    oran = f.AgencyFactory(organization=org, number="031-002")
    ContactFactory(organization=org, last_name="Alger", owner=admin, agency=agency, wilaya_id="16",
                   segment="particulier")
    ContactFactory(organization=org, last_name="Oran", owner=agent, agency=oran, wilaya_id="31", segment="premium")

    assert names(filtered(admin, {"owner": agent.pk})) == ["Oran"]
    assert names(filtered(admin, {"agency": agency.pk})) == ["Alger"]
    assert names(filtered(admin, {"wilaya": "31"})) == ["Oran"]
    assert names(filtered(admin, {"segment": "particulier"})) == ["Alger"]
    assert names(filtered(admin, {"wilaya": "16", "segment": "premium"})) == []


def test_filter_tags_matches_any_tag_without_duplicate_rows(admin, org):
    vip, auto = TagFactory(organization=org, name="VIP"), TagFactory(organization=org, name="Auto")
    both = ContactFactory(organization=org, last_name="Both")
    both.tags.add(vip, auto)
    ContactFactory(organization=org, last_name="Vip").tags.add(vip)
    ContactFactory(organization=org, last_name="None")

    assert names(filtered(admin, {"tags": [vip.pk, auto.pk]})) == ["Both", "Vip"]
    assert names(filtered(admin, {"tags": [auto.pk]})) == ["Both"]


def test_filter_consent_keeps_only_granted_channel(admin, org):
    yes = ContactFactory(organization=org, last_name="Yes")
    no = ContactFactory(organization=org, last_name="No")
    ConsentFactory(organization=org, contact=yes, channel="sms", granted=True)
    ConsentFactory(organization=org, contact=no, channel="sms", granted=False)
    ConsentFactory(organization=org, contact=no, channel="email", granted=True)

    assert names(filtered(admin, {"consent": "sms"})) == ["Yes"]
    assert names(filtered(admin, {"consent": "email"})) == ["No"]


def test_filter_created_date_range_includes_both_days(admin, org):
    for name, day in (("Before", 9), ("First", 10), ("Last", 12), ("After", 13)):
        contact = ContactFactory(organization=org, last_name=name)
        at = timezone.make_aware(datetime.datetime(2026, 3, day, 23, 30))
        type(contact).objects.filter(pk=contact.pk).update(created_at=at)

    assert names(filtered(admin, {"created_from": "2026-03-10", "created_to": "2026-03-12"})) == ["First", "Last"]


def test_filters_refuse_another_companys_owner_agency_and_tag(admin, other_admin, other_org):
    tag = TagFactory(organization=other_org)
    request = RequestFactory().get("/", {"owner": other_admin.pk, "agency": other_admin.agency_id, "tags": tag.pk})
    request.user = admin

    fs = ContactFilterSet(request.GET, queryset=selectors.contact_list(user=admin), request=request)

    assert not fs.is_valid()
    assert sorted(fs.errors) == ["agency", "owner", "tags"]


# --- Visibility -------------------------------------------------------------------------------------

def test_user_sees_own_and_own_agency_records_by_default(admin, agent, editor, supervisor, org, agency, other_org):
    other_agency = f.AgencyFactory(organization=org, number="031-009")
    colleague = f.UserFactory(organization=org, agency=other_agency)
    ContactFactory(organization=org, last_name="Mine", owner=agent, agency=other_agency)
    ContactFactory(organization=org, last_name="Agency", owner=admin, agency=agency)
    ContactFactory(organization=org, last_name="Elsewhere", owner=colleague, agency=other_agency)
    ContactFactory(organization=other_org, last_name="OtherCompany")

    assert names(selectors.contact_list(user=agent)) == ["Agency", "Mine"]
    assert names(selectors.contact_list(user=editor)) == ["Agency", "Elsewhere", "Mine"]
    assert names(selectors.contact_list(user=supervisor)) == ["Agency", "Elsewhere", "Mine"]


def test_user_with_own_only_visibility(agent, org, agency):
    org.user_visibility = "own"
    org.save()
    ContactFactory(organization=org, last_name="Mine", owner=agent, agency=agency)
    ContactFactory(organization=org, last_name="Agency", agency=agency)
    agent.refresh_from_db()

    assert names(selectors.contact_list(user=agent)) == ["Mine"]


# --- Relationships ------------------------------------------------------------------------------------

def test_contact_links_read_both_directions(admin, org):
    karim, sara, yanis = (ContactFactory(organization=org, last_name=n) for n in ("Karim", "Sara", "Yanis"))
    company = AccountFactory(organization=org, name="Cosider")
    RelationshipFactory(organization=org, contact=karim, related_contact=sara, account=None, kind="conjoint")
    RelationshipFactory(organization=org, contact=karim, related_contact=yanis, account=None, kind="parent")
    RelationshipFactory(organization=org, contact=karim, account=company, kind="dirigeant")

    from_karim = [(str(link.kind_label), str(link.other)) for link in selectors.contact_links(user=admin,
                                                                                              contact=karim)]
    from_yanis = [(str(link.kind_label), str(link.other)) for link in selectors.contact_links(user=admin,
                                                                                              contact=yanis)]

    assert from_karim == [("Conjoint(e)", "Karim Sara"), ("Dirigeant(e)", "Cosider"), ("Parent", "Karim Yanis")]
    assert from_yanis == [("Enfant", "Karim Karim")]


def test_links_hide_what_the_user_may_not_see(agent, org, agency):
    other_agency = f.AgencyFactory(organization=org, number="031-003")
    mine = ContactFactory(organization=org, last_name="Mine", owner=agent, agency=agency)
    hidden = ContactFactory(organization=org, last_name="Hidden", agency=other_agency)
    RelationshipFactory(organization=org, contact=mine, related_contact=hidden, account=None, kind="conjoint")
    company = AccountFactory(organization=org, agency=agency)
    RelationshipFactory(organization=org, contact=hidden, account=company, kind="employe")

    assert selectors.contact_links(user=agent, contact=mine) == []
    assert list(selectors.account_people(user=agent, account=company)) == []
    assert list(selectors.relationship_list(user=agent)) == list(mine.relationships.all())


def test_customer_lookup_finds_contacts_and_accounts(admin, people):
    services.account_create(actor=admin, name="Benali Import Export")

    found = selectors.customer_lookup(user=admin, query="benali", exclude=people["benali"])

    assert [str(r) for r in found] == ["Benali Import Export"]
    assert selectors.customer_lookup(user=admin, query="  ") == []


def test_global_search_providers_find_visible_contacts_and_accounts(agent, admin, org, agency, other_org):
    services.contact_create(actor=agent, last_name="AÏSSANI", first_name="Karim", last_name_ar="عيساني",
                            phone="0550123456")
    ContactFactory(organization=org, last_name="Aissani", first_name="Hidden", agency=f.AgencyFactory(
        organization=org, number="031-004"))
    ContactFactory(organization=other_org, last_name="Aissani")
    account = services.account_create(actor=agent, name="Aïssani Transport", nif="000016001234567")

    contacts = selectors.search_contacts(agent, "aissani", 5)
    accounts = selectors.search_accounts(agent, "aissani", 5)

    # Each detail is isolated (FSI … PDI) so the Arabic name cannot reorder the phone digits.
    assert [(r.title, r.subtitle) for r in contacts] == [
        ("Karim AÏSSANI", "\u2068C00000001\u2069 · \u20680550 12 34 56\u2069 · \u2068عيساني\u2069")]
    assert [(r.title, r.subtitle, r.url) for r in accounts] == [
        ("Aïssani Transport", "\u2068000016001234567\u2069", f"/accounts/{account.pk}/")]
