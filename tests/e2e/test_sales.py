"""Sales in a real browser: drag an opportunity across the kanban and see the column totals
change (and a refused drop put back with its reason); add a widget to the dashboard and find it
after signing in again."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.sales import services
from assura.sales.models import Opportunity
from assura.sales.tests.factories import OpportunityFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def norm(value: str) -> str:
    return " ".join(value.replace("\u202f", " ").replace("\xa0", " ").split())


def test_drag_an_opportunity_across_the_kanban(page):
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    agent = f.UserFactory(organization=org, agency=agency, role=Role.USER, email="karim.meziane@sahel.test",
                          first_name="Karim", last_name="Meziane")
    stages = {s.name: s for s in services.stages_ensure(organization_id=org.pk)}
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency, name="Flotte Cevital",
                             amount=Decimal("200000.00"))
    lost = OpportunityFactory(organization=org, owner=agent, agency=agency, name="Sonelgaz flotte",
                              stage=stages["Qualification"], probability=20, amount=Decimal("1000.00"))
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)
    page.set_viewport_size({"width": 2300, "height": 1000})  # every column on screen: a drag needs no scrolling

    page.get_by_role("link", name="Opportunités").first.click()
    page.wait_for_url(re.compile(r"/opportunities/kanban/$"))
    prospection = page.locator(f"[data-testid=column-{stages['Prospection'].pk}]")
    nego = page.locator(f"[data-testid=column-{stages['Négociation'].pk}]")
    assert prospection.locator("[data-testid=count]").inner_text() == "1"
    assert nego.locator("[data-testid=count]").inner_text() == "0"

    # Drag the card to "Négociation": the board comes back with the new totals
    page.drag_and_drop(f"[data-testid=card-{opp.pk}]", f"[data-testid=column-{stages['Négociation'].pk}] ul")
    nego = page.locator(f"[data-testid=column-{stages['Négociation'].pk}]")
    expect(nego.locator("[data-testid=count]")).to_have_text("1")
    assert norm(nego.locator("[data-testid=amount]").inner_text()) == "200 000,00 DA"
    assert norm(nego.locator("[data-testid=weighted]").inner_text()) == "160 000,00 DA"
    opp.refresh_from_db()
    assert opp.stage == stages["Négociation"] and opp.probability == 80

    # Dropping on "Perdue" asks for the reason first
    page.drag_and_drop(f"[data-testid=card-{lost.pk}]", f"[data-testid=column-{stages['Perdue'].pk}] ul")
    page.locator("[data-testid=loss-modal]").wait_for(state="visible")
    page.select_option("#loss-reason", "concurrent")
    page.click("[data-testid=loss-submit]")
    expect(page.locator(f"[data-testid=column-{stages['Perdue'].pk}] [data-testid=count]")).to_have_text("1")
    lost.refresh_from_db()
    assert (lost.status, lost.loss_reason) == ("lost", "concurrent")

    # A drop the server refuses (someone else lost it meanwhile) puts the card back and says why
    third = OpportunityFactory(organization=org, owner=agent, agency=agency, name="Multirisque Cosider",
                               stage=stages["Qualification"], probability=20)
    page.reload()
    Opportunity.objects.filter(pk=third.pk).update(stage=stages["Perdue"], status="lost", loss_reason="prix")
    qualif_col = f"[data-testid=column-{stages['Qualification'].pk}]"
    page.drag_and_drop(f"[data-testid=card-{third.pk}]", f"[data-testid=column-{stages['Négociation'].pk}] ul")
    alert = page.locator("[data-testid=kanban-alert]")
    alert.wait_for(state="visible")
    assert "rouvrez-la" in alert.inner_text()
    assert page.locator(f"{qualif_col} [data-testid=card-{third.pk}]").count() == 1
    assert Opportunity.objects.get(pk=third.pk).stage == stages["Perdue"]

    # Keyboard alternative: the stage list of the card
    keyboard = OpportunityFactory(organization=org, owner=agent, agency=agency, name="RC pro Benali")
    page.reload()
    page.select_option(f"#move-{keyboard.pk}", str(stages["Proposition/Devis"].pk))
    page.click(f"[data-testid=move-{keyboard.pk}]")
    expect(page.locator(f"[data-testid=column-{stages['Proposition/Devis'].pk}] [data-testid=count]")).to_have_text(
        "1")
    assert Opportunity.objects.get(pk=keyboard.pk).stage == stages["Proposition/Devis"]


def test_add_a_widget_and_find_it_after_signing_in_again(page, new_page):
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    f.UserFactory(organization=org, agency=agency, role=Role.SUPERVISOR, email="nadia.saidi@sahel.test",
                  first_name="Nadia", last_name="Saïdi")
    sign_in(page, "nadia.saidi@sahel.test", f.PASSWORD)
    page.get_by_role("link", name="Tableau de bord").first.click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    assert page.locator("[data-testid=widget-agencies]").count() == 1  # Superviseur: agencies side by side
    assert page.locator("[data-testid=widget-won_by_month]").count() == 0
    page.select_option("#add-kind", "won_by_month")
    page.click("[data-testid=add-widget]")
    page.locator("[data-testid=widget-won_by_month]").wait_for()
    assert page.locator("[data-testid=widget-won_by_month] canvas").count() == 1

    other = new_page()
    sign_in(other, "nadia.saidi@sahel.test", f.PASSWORD)
    other.goto("/dashboard/")
    other.locator("[data-testid=widget-won_by_month]").wait_for()
    keys = other.locator("[data-testid=widgets] section").evaluate_all(
        "els => els.map(e => e.getAttribute('data-testid'))")
    assert keys[-1] == "widget-won_by_month"
