"""Duplicate warning at account creation: the same NIF, RC or NIS (spaces and punctuation
ignored) or the same raison sociale (case, accents, punctuation and legal form ignored),
within the company. The form asks to confirm "Créer quand même"; the API creates and lists
`possible_duplicates`, as for contacts."""

import html
import importlib
import re

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from assura.core.testing import factories as f
from assura.customers import services
from assura.customers.duplicates import account_matches
from assura.customers.models import Account
from assura.customers.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def plain(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.mark.parametrize("other", ["Transports Benali", "TRANSPORTS BÉNALI, S.A.R.L.", "Sarl transports-benali",
                                   "EURL Transports Benali", "Transports Benali SPA"])
def test_the_name_key_ignores_case_accents_punctuation_and_legal_form(other):
    assert services.account_name_key(other) == services.account_name_key("SARL Transports Benali")


def test_the_name_key_still_tells_other_companies_apart():
    key = services.account_name_key("SARL Transports Benali")

    assert services.account_name_key("Transports Benali Sud") != key
    assert services.account_name_key("SARL") == "sarl"  # a name made only of a legal form is kept as is


def test_identifiers_are_stored_without_spaces_and_the_rc_key_without_punctuation(admin):
    account = services.account_create(actor=admin, name="Cosider", nif="0000 1600 1234 567", nis="0001.1600.12",
                                      trade_register="16/00 - 1234567 B 12")

    account.refresh_from_db()
    assert (account.nif, account.nis, account.trade_register, account.trade_register_key) == (
        "000016001234567", "0001160012", "16/00 - 1234567 B 12", "16001234567B12")


@pytest.fixture
def existing(admin):
    return services.account_create(actor=admin, name="SARL Transports Benali", nif="000016001234567",
                                   nis="000116001234599", trade_register="16/00-1234567B12")


@pytest.mark.parametrize(("typed", "reasons"), [
    ({"name": "Autre nom", "nif": "0000 1600 1234 567"}, ["nif"]),
    ({"name": "Autre nom", "trade_register": "16/00 1234567 b12"}, ["trade_register"]),
    ({"name": "Autre nom", "nis": "000116001234599"}, ["nis"]),
    ({"name": "Transports Bénali EURL"}, ["name"]),
    ({"name": "transports benali", "nif": "000016001234567"}, ["nif", "name"]),
], ids=["nif", "rc", "nis", "name", "nif-and-name"])
def test_account_matches_finds_the_same_company(org, existing, typed, reasons):
    matches = account_matches(organization_id=org.pk, **typed)

    assert [(m.account, m.reasons) for m in matches] == [(existing, reasons)]


def test_account_matches_stays_within_the_company_and_ignores_what_differs(org, other_admin, existing):
    services.account_create(actor=other_admin, name="Transports Benali", nif="000016001234568")

    assert account_matches(organization_id=org.pk, name="Transports Benali Sud", nif="000016001234568") == []
    assert account_matches(organization_id=org.pk, name="", nif="", trade_register="", nis="") == []
    assert account_matches(organization_id=org.pk, name="Transports Benali", exclude_pk=existing.pk) == []


# --- The form ------------------------------------------------------------------------------------------

def test_account_create_warns_of_duplicates_then_creates_when_confirmed(admin_client, existing):
    form = {"name": "Transports Bénali", "nif": "0000 1600 1234 567", "phone_work": "021 23 45 67"}

    warned = admin_client.post("/accounts/new/", form)

    body = warned.content.decode()
    assert warned.status_code == 200
    assert Account.objects.count() == 1
    assert 'data-testid="duplicates-warning"' in body
    assert f'<a href="/accounts/{existing.pk}/"' in body
    assert "Ce compte existe peut-être déjà :" in plain(warned)
    assert "SARL Transports Benali (NIF 000016001234567) — même NIF, même raison sociale" in plain(warned)
    assert re.search(r'name="confirm_duplicate" value="1"', body)
    assert "Créer quand même" in body

    created = admin_client.post("/accounts/new/", {**form, "confirm_duplicate": "1"})

    assert created.status_code == 302
    assert Account.objects.count() == 2


def test_an_account_without_likely_duplicate_is_created_at_once(admin_client, existing):
    response = admin_client.post("/accounts/new/", {"name": "Cosider Travaux", "nif": "000016009999999"})

    assert response.status_code == 302
    assert Account.objects.count() == 2


def test_the_account_duplicates_warning_comes_after_the_field_errors(admin_client, existing):
    response = admin_client.post("/accounts/new/", {"name": "Transports Benali", "revenue": "-5"})

    assert "duplicates-warning" not in response.content.decode()
    assert "Le chiffre d&#x27;affaires ne peut pas être négatif." in response.content.decode()
    assert Account.objects.count() == 1


def test_a_match_the_user_may_not_open_is_named_without_a_link(client, org, agent):
    hidden = AccountFactory(organization=org, agency=f.AgencyFactory(organization=org), owner=None,
                            name="Hydro Services", nif="000016005555555")
    client.force_login(agent)

    response = client.post("/accounts/new/", {"name": "Hydro Services Ouest", "nif": "000016005555555"})

    assert f'data-testid="duplicate-{hidden.pk}"' in response.content.decode()
    assert f'href="/accounts/{hidden.pk}/"' not in response.content.decode()


# --- The API -------------------------------------------------------------------------------------------

def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_account_create_answers_201_and_lists_possible_duplicates(admin, existing):
    response = api_for(admin).post("/api/v1/accounts/", {"name": "Transports Benali SPA",
                                                          "trade_register": "16/00 1234567 B12"}, format="json")

    assert response.status_code == 201
    assert response.json()["possible_duplicates"] == [{"id": existing.pk, "name": "SARL Transports Benali",
                                                       "nif": "000016001234567", "score": 160,
                                                       "reasons": ["trade_register", "name"]}]
    assert Account.objects.count() == 2


def test_api_account_create_without_duplicates_answers_an_empty_list(admin, existing):
    response = api_for(admin).post("/api/v1/accounts/", {"name": "Cosider"}, format="json")

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["possible_duplicates"]) == ("Cosider", [])


def test_api_possible_duplicates_never_name_an_account_the_caller_cannot_see(org, agent, admin):
    hidden = AccountFactory(organization=org, agency=f.AgencyFactory(organization=org), owner=None,
                            name="Hydro Services", nif="000016005555555")

    response = api_for(agent).post("/api/v1/accounts/", {"name": "Hydro", "nif": "000016005555555"}, format="json")

    assert response.status_code == 201
    assert response.json()["possible_duplicates"] == []
    response = api_for(admin).post("/api/v1/accounts/", {"name": "Hydro", "nif": "000016005555555"}, format="json")
    assert hidden.pk in {d["id"] for d in response.json()["possible_duplicates"]}


def test_possible_duplicates_of_accounts_are_in_the_schema(admin):
    schema = api_for(admin).get("/api/v1/schema/").content.decode()

    assert "AccountCreated" in schema and "AccountDuplicate" in schema


# --- Existing rows ---------------------------------------------------------------------------------------

def test_the_migration_brings_existing_accounts_to_the_same_keys(org):
    account = AccountFactory(organization=org, name="S.P.A. Transports Bénali", nif="0000 1600 1234 567",
                             trade_register="16/00-1234567 B12", name_key="old")
    migration = importlib.import_module("assura.customers.migrations.0005_account_duplicate_keys")

    migration.refresh_keys(apps, None)

    account.refresh_from_db()
    assert (account.nif, account.trade_register_key, account.name_key) == (
        "000016001234567", "16001234567B12", services.account_name_key("Transports Benali"))
    assert account_matches(organization_id=org.pk, nif="000016001234567")[0].account == account
