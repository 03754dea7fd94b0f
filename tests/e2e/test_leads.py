"""Leads in a real browser: create a lead, convert it, land on the new contact's page."""

from __future__ import annotations

import re

import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Account, Contact
from assura.leads.models import Lead
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_create_a_lead_then_convert_it_into_a_contact(page):
    # Given a Utilisateur of an agency
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    f.UserFactory(organization=org, agency=agency, role=Role.USER, email="karim.meziane@sahel.test",
                  first_name="Karim", last_name="Meziane")
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)

    # When they open "Pistes" from the sidebar and create a lead
    page.get_by_role("link", name="Pistes").first.click()
    page.wait_for_url(re.compile(r"/leads/$"))
    assert "Vous n'avez consulté aucune piste récemment." in page.content()
    page.click("[data-testid=create]")
    page.fill("input[name=full_name]", "Yacine Belkacem")
    page.fill("input[name=job_title]", "Gérant")
    page.fill("input[name=company]", "SARL Atlas Négoce")
    page.fill("input[name=phone]", "0661 23 45 67")
    page.fill("input[name=email]", "yacine@atlas.dz")
    page.select_option("select[name=source]", "salon")
    page.select_option("select[name=budget]", "eleve")
    page.select_option("select[name=interest]", "eleve")
    page.select_option("select[name=decision_timeframe]", "immediat")
    page.click("[data-testid=submit]")

    # Then the lead's page shows it, hot, owned by its creator
    lead = Lead.objects.get()
    page.wait_for_url(re.compile(rf"/leads/{lead.pk}/$"))
    assert page.locator("[data-testid=lead-temperature]").inner_text().strip() == "Chaud"
    assert page.locator("[data-testid=lead-owner]").inner_text().strip() == "Karim Meziane"

    # When they convert it, creating the contact and the company's account
    page.click("[data-testid=convert]")
    page.wait_for_url(re.compile(rf"/leads/{lead.pk}/convert/$"))
    assert page.locator("[data-testid=contact-new]").is_checked()
    page.check("[data-testid=account-new]")
    page.click("[data-testid=submit]")

    # Then they land on the new contact's page, and the lead is converted
    contact = Contact.objects.get()
    page.wait_for_url(re.compile(rf"/contacts/{contact.pk}/$"))
    assert "Yacine" in page.locator("h1").inner_text() and "Belkacem" in page.locator("h1").inner_text()
    assert (contact.phone, contact.email) == ("+213661234567", "yacine@atlas.dz")
    assert Account.objects.get().name == "SARL Atlas Négoce"
    lead.refresh_from_db()
    assert (lead.status, lead.converted_contact_id) == ("converti", contact.pk)
    assert page.console_errors == []
