"""Duplicates in a real browser: the scan finds two records of one person, the administrator
compares them, picks the surviving values and merges them."""

from __future__ import annotations

import datetime
import re

import pytest

from assura.activities.models import Activity
from assura.activities.tests.factories import ActivityFactory
from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Contact, DuplicateCandidate, DuplicateStatus
from assura.customers.services import contact_create
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scan_compare_choose_and_merge_two_duplicates(page):
    # Given a company whose records hold the same person twice, spelled two ways
    org = f.OrganizationFactory(name="Alliance E2E")
    agency = f.AgencyFactory(organization=org, number="016-004", name="Alger Centre")
    admin = f.UserFactory(organization=org, agency=agency, role=Role.ADMIN, email="chef@alliance.test")
    birth = datetime.date(1984, 3, 12)
    older = contact_create(actor=admin, last_name="Aïssani", first_name="Karim", birth_date=birth,
                           phone="0550 12 34 56", profession="Enseignant")
    newer = contact_create(actor=admin, last_name="AISANI", first_name="Karim", birth_date=birth,
                           phone="0661 22 33 44", nin="109840123456789012", profession="Professeur")
    ActivityFactory.create_batch(2, organization=org, contact=newer)
    sign_in(page, "chef@alliance.test", f.PASSWORD)

    # When the administrator runs the duplicates scan
    page.goto("/duplicates/")
    page.click("[data-testid=duplicates-scan]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")

    # Then the pair is listed with its reasons
    page.goto("/duplicates/")
    candidate = DuplicateCandidate.objects.get(organization=org)
    row = page.locator("tr", has=page.locator(f"[data-testid=merge-{candidate.pk}]"))
    assert "même nom" in row.inner_text() and "même date de naissance" in row.inner_text()

    # When they compare, keep the newer profession and the older phone, and merge
    page.click(f"[data-testid=merge-{candidate.pk}]")
    page.wait_for_url(re.compile(rf"/duplicates/merge/{older.pk}/{newer.pk}/$"))
    assert page.is_checked("#choice_profession_b")  # the most recent value is proposed
    page.check("#choice_phone_a")
    page.check("#choice_nin_b")
    page.click("[data-testid=merge-submit]")
    page.click("[data-testid=confirm-ok]")

    # Then one record remains, with the chosen values and everything that was on the other
    page.wait_for_url(re.compile(r"/duplicates/$"))
    assert "est conservée" in page.inner_text("#messages")
    survivor = Contact.objects.get(organization=org)
    assert (survivor.pk, survivor.code, survivor.profession, survivor.phone, survivor.nin) == (
        older.pk, older.code, "Professeur", "+213550123456", "109840123456789012")
    assert [p["number"] for p in survivor.phones] == ["+213550123456", "+213661223344"]
    assert Activity.objects.filter(contact=survivor).count() == 2
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.MERGED
    assert page.console_errors == []
