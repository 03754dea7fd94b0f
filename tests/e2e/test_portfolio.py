"""The portfolio in a real browser: from a customer's profile, a quote becomes a policy with its
attestation PDF; a claim is declared and settled; a payment lowers the overdue total."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.tests.factories import ContactFactory
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.models import Claim, Policy, Quote
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_quote_policy_attestation_claim_and_payment(page):
    # Given an agent of an agency, the company's catalogue and one of the agency's customers
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    agent = f.UserFactory(organization=org, agency=agency, role=Role.USER, email="nadia.haddad@sahel.test",
                          first_name="Nadia", last_name="Haddad")
    seed_catalogue(org, branches=1)
    contact = ContactFactory(organization=org, agency=agency, owner=agent, first_name="Sofiane",
                             last_name="Boudiaf", code="C-2026-0042")
    sign_in(page, "nadia.haddad@sahel.test", f.PASSWORD)

    # When she opens the customer's Polices tab and asks for a quote for a car
    page.goto(f"/contacts/{contact.pk}/?tab=polices")
    page.click("[data-testid=new-quote]")
    page.select_option("select[name=product]", label="Automobile — Auto particulier")
    page.click("[data-testid=pick-product]")
    assert page.input_value("input[name=contact_code]") == "C-2026-0042"
    page.select_option("select[name=formula]", label="Dommages collision")
    page.select_option("select[name=payment_frequency]", "trimestriel")
    for name, value in {"immatriculation": "04512-119-16", "marque": "Hyundai", "modele": "Accent",
                        "annee": "2019", "puissance_fiscale": "6", "valeur_venale": "2 000 000"}.items():
        page.fill(f"input[name=obj_{name}]", value)
    page.select_option("select[name=obj_usage]", "tourisme")
    page.click("[data-testid=submit]")

    # Then the quote shows the premium computed from the catalogue
    quote = Quote.objects.get()
    page.wait_for_url(re.compile(rf"/quotes/{quote.pk}/$"))
    assert quote.net_premium == Decimal("29000.00")  # RC 3500 + DR 600 + PT 900 + collision 1.2 % × 2 000 000
    # + coût de police 500, taxe 19 % of 29 500 = 5 605, timbre 40
    assert re.sub(r"\D", "", page.locator("[data-testid=total-premium]").inner_text()) == "3514500"

    # When she accepts it, back-dated so that instalments have fallen due
    page.click("[data-testid=accept]")
    page.fill("input[name=effective_date]", (datetime.date.today() - datetime.timedelta(days=100)).isoformat())
    page.click("[data-testid=submit]")

    # Then the policy is in force, and its attestation is a PDF
    policy = Policy.objects.get()
    page.wait_for_url(re.compile(rf"/policies/{policy.pk}/$"))
    assert page.locator("[data-testid=policy-status]").inner_text().strip() == "En vigueur"
    pdf = page.request.get(page.get_attribute("[data-testid=attestation]", "href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # When she declares a claim from the customer's Sinistres tab and takes it to settlement
    page.goto(f"/contacts/{contact.pk}/?tab=sinistres")
    page.click("[data-testid=declare-claim-menu]")
    page.click(f"[data-testid=declare-on-{policy.pk}]")
    assert page.input_value("input[name=policy_number]") == policy.number
    page.select_option("select[name=claim_type]", "collision")
    page.fill("input[name=loss_date]", (datetime.date.today() - datetime.timedelta(days=5)).isoformat())
    page.fill("input[name=estimated_amount]", "50000")
    page.click("[data-testid=submit]")
    claim = Claim.objects.get()
    page.wait_for_url(re.compile(rf"/claims/{claim.pk}/$"))
    for status in ("instruction", "offre"):
        page.select_option("select[name=status]", status)
        page.click("[data-testid=transition]")
        page.wait_for_load_state()
    assert page.locator("[data-testid=claim-status]").inner_text().strip() == "Offre envoyée"
    page.click("[data-testid=claim-pay]")
    page.fill("input[name=amount]", "45000")
    page.check("input[name=is_final]")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(rf"/claims/{claim.pk}/$"))
    assert page.locator("[data-testid=claim-status]").inner_text().strip() == "Réglé"

    # And on the customer's Créances tab, a payment lowers the overdue total
    page.goto(f"/contacts/{contact.pk}/?tab=creances")
    overdue_before = page.locator("[data-testid=total-overdue]").inner_text()
    assert page.locator("[data-testid=total-claims-paid]").inner_text().startswith("45")
    first = policy.instalments.order_by("sequence").first()
    page.goto(f"/policies/{policy.pk}/?tab=echeances")
    page.click("[data-testid=record-payment]")
    page.fill("input[name=amount]", str(first.amount))
    page.select_option("select[name=method]", "edahabia")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(rf"/policies/{policy.pk}/\?tab=echeances$"))
    page.goto(f"/contacts/{contact.pk}/?tab=creances")
    overdue_after = page.locator("[data-testid=total-overdue]").inner_text()
    assert overdue_after != overdue_before
    first.refresh_from_db()
    assert first.is_settled
    assert not page.console_errors
