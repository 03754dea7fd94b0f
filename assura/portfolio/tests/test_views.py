"""Pages of the portfolio: forms write through the services, errors land on the field, roles
are refused (403, nothing changed), lists and profile tabs run a bounded number of queries,
agents see their agency's portfolio only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.tests.factories import ContactFactory
from assura.portfolio import selectors, services
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.models import Claim, Formula, Guarantee, Payment, Policy, Quote
from assura.portfolio.tests.factories import VEHICLE

TODAY = datetime.date.today()


@pytest.fixture
def auto(org):
    return seed_catalogue(org, branches=1)["AUTO-PART"]


def issue(actor, auto, *, contact=None, owner=None, agency=None, start=None, frequency="trimestriel"):
    contact = contact or ContactFactory(organization=actor.organization, agency=agency or actor.agency)
    return services.policy_create(actor=actor, product=auto, formula=Formula.objects.get(product=auto, code="RCE"),
                                  contact=contact, insured_object=dict(VEHICLE), owner=owner, agency=agency,
                                  effective_date=start or TODAY - datetime.timedelta(days=100),
                                  payment_frequency=frequency)


def obj_post(**extra):
    return {**{f"obj_{k}": v for k, v in VEHICLE.items()}, **extra}


def test_policy_create_page_issues_a_policy(client, agent, auto):
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, code="C-777")
    client.force_login(agent)
    url = f"/policies/new/?product={auto.pk}&contact={contact.pk}"
    page = client.get(url)
    assert page.status_code == 200 and 'value="C-777"' in page.content.decode()
    formula = Formula.objects.get(product=auto, code="DCO")
    bg = Guarantee.objects.get(product=auto, code="BG")
    response = client.post(url, obj_post(product=auto.pk, contact_code="C-777", formula=formula.pk,
                                         guarantees=[bg.pk], payment_frequency="annuel",
                                         effective_date=TODAY.isoformat(), channel="courtier",
                                         intermediary="Cabinet Benali"))
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"] == policy.get_absolute_url()
    assert policy.owner == agent and policy.channel == "courtier" and policy.contact == contact
    assert set(policy.guarantees.values_list("code", flat=True)) == {"RC", "DR", "PT", "DC", "BG"}


def test_policy_create_page_shows_object_error_beside_field(client, agent, auto):
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, code="C-1")
    client.force_login(agent)
    formula = Formula.objects.get(product=auto, code="RCO")
    response = client.post(f"/policies/new/?product={auto.pk}", obj_post(
        product=auto.pk, contact_code=contact.code, formula=formula.pk, payment_frequency="annuel",
        effective_date=TODAY.isoformat(), channel="agence", obj_marque=""))
    assert response.status_code == 200
    assert "Marque : champ obligatoire." in response.content.decode()
    assert not Policy.objects.exists()


def test_editor_cannot_issue_nor_pay(client, editor, admin, auto):
    policy = issue(admin, auto)
    client.force_login(editor)
    assert client.post(f"/policies/{policy.pk}/payment/", {"amount": "10", "method": "especes"}).status_code == 403
    assert client.post(f"/policies/{policy.pk}/status/", {"status": "resiliee", "reason": "x"}).status_code == 403
    assert client.post(f"/policies/{policy.pk}/renew/").status_code == 403
    assert not Payment.objects.exists()
    policy.refresh_from_db()
    assert policy.status == "en_vigueur" and Policy.objects.count() == 1
    assert client.get(policy.get_absolute_url()).status_code == 200  # reading is fine


def test_agent_cannot_edit_catalogue(client, agent, auto):
    client.force_login(agent)
    response = client.post(f"/catalogue/products/{auto.pk}/guarantees/new/", {
        "code": "NEW", "name": "Nouvelle", "premium_mode": "fixe", "premium_amount": "10", "position": 1})
    assert response.status_code == 403 and not auto.guarantees.filter(code="NEW").exists()


def test_admin_adds_a_guarantee_and_sees_rule_errors(client, admin, auto):
    client.force_login(admin)
    url = f"/catalogue/products/{auto.pk}/guarantees/new/"
    response = client.post(url, {"code": "NEG", "name": "Négative", "premium_mode": "fixe",
                                 "premium_amount": "-5", "position": 1})
    assert response.status_code == 200 and "Une prime ne peut pas être négative." in response.content.decode()
    response = client.post(url, {"code": "cat", "name": "Catastrophe", "premium_mode": "taux",
                                 "premium_rate": "0.5", "rate_base": "valeur_venale", "position": 1})
    assert response.status_code == 302 and auto.guarantees.filter(code="CAT").exists()


def test_payment_page_changes_the_overdue_total(client, agent, auto):
    policy = issue(agent, auto)
    client.force_login(agent)
    contact_url = f"/contacts/{policy.contact_id}/?tab=creances"
    before = selectors.customer_totals(user=agent, record=policy.contact)["overdue"]
    assert before > 0
    response = client.post(f"/policies/{policy.pk}/payment/", {"amount": str(before), "method": "edahabia"})
    assert response.status_code == 302
    assert selectors.customer_totals(user=agent, record=policy.contact)["overdue"] == 0
    assert client.get(contact_url).status_code == 200
    too_much = client.post(f"/policies/{policy.pk}/payment/", {"amount": "999999", "method": "especes"})
    assert "dépasse le montant dû" in too_much.content.decode() and Payment.objects.count() == 1


def test_claim_declared_from_policy_and_flagged(client, agent, auto):
    policy = issue(agent, auto)
    client.force_login(agent)
    vol = Guarantee.objects.get(product=auto, code="VOL")
    response = client.post(f"/claims/new/?policy={policy.pk}", {
        "policy_number": policy.number, "claim_type": "vol", "guarantee": vol.pk,
        "loss_date": (TODAY - datetime.timedelta(days=3)).isoformat(), "declaration_channel": "agence",
        "estimated_amount": "90000"})
    claim = Claim.objects.get()
    assert response.status_code == 302 and claim.out_of_cover
    response = client.post(f"/claims/{claim.pk}/status/", {"status": "regle"})
    claim.refresh_from_db()
    assert claim.status == "declare"


def test_attestation_and_quote_pdf(client, agent, auto):
    policy = issue(agent, auto)
    client.force_login(agent)
    response = client.get(f"/policies/{policy.pk}/attestation/")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    quote = services.quote_create(actor=agent, product=auto, formula=Formula.objects.get(product=auto, code="RCO"),
                                  contact=policy.contact, insured_object=dict(VEHICLE))
    assert client.get(f"/quotes/{quote.pk}/pdf/").content.startswith(b"%PDF")


def test_policy_as_of_page(client, admin, auto):
    policy = issue(admin, auto)
    services.policy_endorse(actor=admin, policy=policy, effective_date=TODAY - datetime.timedelta(days=10),
                            description="Ajout bris de glace", guarantees=[Guarantee.objects.get(product=auto,
                                                                                                 code="BG")])
    client.force_login(admin)
    early = client.get(f"/policies/{policy.pk}/?tab=avenants&as_of={(TODAY - datetime.timedelta(days=50))}")
    late = client.get(f"/policies/{policy.pk}/?tab=avenants&as_of={TODAY}")
    assert "Version 1 en vigueur" in early.content.decode()
    assert "Version 2 en vigueur" in late.content.decode() and "Bris de glace" in late.content.decode()


# --- Visibility and query counts --------------------------------------------------------------------------

def test_agent_sees_own_agency_portfolio_only(client, org, admin, agent, auto):
    other_agency = f.AgencyFactory(organization=org, number="031-002")
    other_agent = f.UserFactory(organization=org, agency=other_agency, role=Role.USER)
    mine = issue(admin, auto, owner=agent, agency=agent.agency)
    theirs = issue(admin, auto, owner=other_agent, agency=other_agency)
    client.force_login(agent)
    listing = client.get("/policies/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/policies/{theirs.pk}/").status_code == 404
    assert set(selectors.instalment_list(user=agent).values_list("policy", flat=True)) == {mine.pk}


@pytest.mark.parametrize("url", ["/policies/", "/policies/renewals/", "/claims/", "/receivables/", "/quotes/",
                                 "/receivables/ageing/", "/catalogue/"])
def test_lists_run_a_constant_number_of_queries(client, admin, auto, url, django_assert_max_num_queries):
    def fill(n):
        for _ in range(n):
            policy = issue(admin, auto, start=TODAY - datetime.timedelta(days=300))
            services.claim_declare(actor=admin, policy=policy, claim_type="collision",
                                   loss_date=TODAY - datetime.timedelta(days=5))
            services.quote_create(actor=admin, product=auto, formula=policy.formula, contact=policy.contact,
                                  insured_object=dict(VEHICLE))
    fill(2)
    client.force_login(admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    fill(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("tab", ["polices", "sinistres", "creances"])
def test_profile_tabs_constant_queries_and_totals(client, agent, auto, tab, django_assert_max_num_queries):
    contact = ContactFactory(organization=agent.organization, agency=agent.agency, owner=agent)
    issue(agent, auto, contact=contact)
    client.force_login(agent)
    url = f"/contacts/{contact.pk}/?tab={tab}"
    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    assert first.status_code == 200 and 'data-testid="portfolio-totals"' in first.content.decode()
    for _ in range(4):
        policy = issue(agent, auto, contact=contact)
        services.claim_declare(actor=agent, policy=policy, claim_type="collision",
                               loss_date=TODAY - datetime.timedelta(days=5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    totals = selectors.customer_totals(user=agent, record=contact)
    assert totals["policies_in_force"] == 5
    assert totals["premiums_in_force"] == sum(p.total_premium for p in Policy.objects.filter(contact=contact))


def test_ageing_buckets_and_home_items(admin, agent, auto):
    policy = issue(admin, auto, owner=agent, start=TODAY - datetime.timedelta(days=200), frequency="mensuel")
    report = selectors.ageing_report(user=agent)
    open_overdue = [i for i in policy.instalments.all() if i.due_date < TODAY]
    assert report["totals"].total == sum(i.amount for i in open_overdue)
    assert sum(report["totals"].buckets) == report["totals"].total
    assert report["totals"].buckets[3] > 0 and report["totals"].buckets[0] > 0
    soon = issue(admin, auto, owner=agent, start=TODAY - datetime.timedelta(days=350))
    items = selectors.home_items(agent, limit=5)
    assert [i.label for i in items["renewals"]] == [soon.number]
    assert len(items["overdue"]) == 5 and items["overdue"][0].date <= items["overdue"][1].date
    outsider = f.UserFactory(organization=agent.organization, agency=f.AgencyFactory(organization=agent.organization),
                             role=Role.USER)
    assert selectors.home_items(outsider) == {"renewals": [], "overdue": []}


def test_quote_accept_page(client, agent, auto):
    contact = ContactFactory(organization=agent.organization, agency=agent.agency)
    quote = services.quote_create(actor=agent, product=auto, formula=Formula.objects.get(product=auto, code="TRI"),
                                  contact=contact, insured_object=dict(VEHICLE))
    client.force_login(agent)
    response = client.post(f"/quotes/{quote.pk}/accept/", {"channel": "agence"})
    quote.refresh_from_db()
    assert response.status_code == 302 and quote.status == "accepte"
    assert response["Location"] == quote.policy.get_absolute_url()
    assert Quote.objects.get().total_premium == quote.policy.total_premium
    assert quote.policy.total_premium > Decimal("0")


def test_renewal_rate_per_branch_and_agency(client, admin, auto):
    renewed = issue(admin, auto, start=TODAY - datetime.timedelta(days=400))
    services.policy_renew(actor=admin, policy=renewed)
    expired = issue(admin, auto, start=TODAY - datetime.timedelta(days=390))
    services.policy_transition(actor=admin, policy=expired, status="expiree", reason="")
    issue(admin, auto)  # in force, not yet due: not counted
    rows = selectors.renewal_rate(user=admin, start=TODAY - datetime.timedelta(days=365), end=TODAY)
    assert [(r.label, r.due, r.renewed, r.rate) for r in rows] == [("Automobile", 2, 1, Decimal("50.0"))]
    client.force_login(admin)
    assert 'data-testid="renewal-rates"' in client.get("/policies/renewals/rates/").content.decode()


def test_endorse_page_keeps_versions_and_refuses_date_before_policy(client, agent, auto):
    policy = issue(agent, auto)
    client.force_login(agent)
    url = f"/policies/{policy.pk}/endorse/"
    page = client.get(url)
    assert page.status_code == 200 and 'value="Renault"' in page.content.decode()
    data = obj_post(formula=policy.formula_id, description="Changement d'usage", obj_usage="utilitaire",
                    effective_date=(policy.effective_date - datetime.timedelta(days=1)).isoformat())
    refused = client.post(url, data)
    assert "ne peut pas prendre effet avant la police" in refused.content.decode()
    assert policy.versions.count() == 1
    data["effective_date"] = TODAY.isoformat()
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.insured_object["usage"] == "utilitaire" and policy.versions.count() == 2
    assert services.policy_as_of(policy=policy, day=TODAY - datetime.timedelta(days=1)).data[
        "insured_object"]["usage"] == "tourisme"


def test_account_page_has_the_portfolio_tabs(client, admin, auto):
    from assura.customers.tests.factories import AccountFactory

    account = AccountFactory(organization=admin.organization, agency=admin.agency)
    policy = services.policy_create(actor=admin, product=auto, formula=Formula.objects.get(product=auto, code="RCO"),
                                    account=account, insured_object=dict(VEHICLE), effective_date=TODAY)
    client.force_login(admin)
    page = client.get(f"/accounts/{account.pk}/?tab=polices").content.decode()
    assert policy.number in page and 'data-testid="total-premiums"' in page


def test_admin_edits_the_catalogue_and_settings(client, admin, auto):
    from assura.portfolio.models import Branch, PortfolioSettings, Product

    client.force_login(admin)
    response = client.post("/catalogue/branches/new/", {"code": "mrh", "name": "Multirisque habitation",
                                                         "number_pattern": "{code}/{agence}/{seq}", "position": 20,
                                                         "is_active": "on"})
    assert response.status_code == 302
    branch = Branch.objects.get(code="MRH")
    bad = client.post("/catalogue/branches/new/", {"code": "X", "name": "X", "number_pattern": "{nom}", "position": 1})
    assert "{seq} est obligatoire" in bad.content.decode()
    response = client.post("/catalogue/products/new/", {"branch": branch.pk, "code": "mrh-1", "name": "Habitation",
                                                         "object_kind": "habitation", "is_active": "on"})
    product = Product.objects.get(code="MRH-1")
    assert response.status_code == 302 and [s["name"] for s in product.object_schema][:2] == ["adresse", "type"]
    client.post(f"/catalogue/products/{product.pk}/guarantees/new/", {
        "code": "INC", "name": "Incendie", "premium_mode": "taux", "premium_rate": "0.15",
        "rate_base": "valeur_contenu", "position": 1})
    client.post(f"/catalogue/products/{product.pk}/guarantees/new/", {
        "code": "BG", "name": "Bris de glace", "premium_mode": "fixe", "premium_amount": "600", "position": 2})
    inc, bg = product.guarantees.order_by("position")
    empty = client.post(f"/catalogue/products/{product.pk}/formulas/new/", {"code": "E", "name": "E", "position": 1})
    assert "Une formule inclut au moins une garantie." in empty.content.decode()
    response = client.post(f"/catalogue/products/{product.pk}/formulas/new/", {
        "code": "ESS", "name": "Essentielle", "included": [inc.pk], "optional": [bg.pk], "position": 1,
        "is_active": "on"})
    formula = product.formulas.get()
    assert response.status_code == 302 and list(formula.optional.all()) == [bg]
    response = client.post("/catalogue/settings/", {"tax_rate": "9", "stamp_duty": "60", "policy_cost": "300",
                                                    "renewal_lead_days": "45", "dunning_steps": "-10; 5, 20"})
    conf = PortfolioSettings.objects.get(organization=admin.organization)
    assert response.status_code == 302 and conf.dunning_steps == [-10, 5, 20] and conf.tax_rate == Decimal("9")
    contact = ContactFactory(organization=admin.organization)
    policy = services.policy_create(actor=admin, product=product, formula=formula, contact=contact,
                                    effective_date=TODAY, insured_object={
                                        "adresse": "5 rue Hassiba Ben Bouali, Alger", "type": "appartement",
                                        "surface": "90", "pieces": "4", "valeur_contenu": "1 000 000"})
    assert policy.number == f"MRH/{admin.agency.number}/000001"
    assert (policy.net_premium, policy.policy_cost, policy.tax, policy.stamp_duty, policy.total_premium) == (
        Decimal("1500.00"), Decimal("300.00"), Decimal("162.00"), Decimal("60.00"), Decimal("2022.00"))


def test_policy_page_lists_the_holders_household(client, admin, auto):
    from assura.customers.tests.factories import RelationshipFactory

    policy = issue(admin, auto)
    spouse = ContactFactory(organization=admin.organization, first_name="Lina", agency=admin.agency)
    RelationshipFactory(organization=admin.organization, contact=policy.contact, related_contact=spouse,
                        account=None, kind="conjoint")
    client.force_login(admin)
    page = client.get(policy.get_absolute_url()).content.decode()
    assert f"Lina {spouse.last_name}" in page


def test_reassign_moves_receivables_and_claims_with_the_policy(client, org, admin, agent, auto):
    policy = issue(admin, auto, owner=agent, agency=agent.agency)
    services.claim_declare(actor=admin, policy=policy, claim_type="collision",
                           loss_date=TODAY - datetime.timedelta(days=3))
    other_agency = f.AgencyFactory(organization=org, number="031-009")
    colleague = f.UserFactory(organization=org, agency=other_agency, role=Role.USER)
    client.force_login(agent)
    response = client.post(f"/policies/{policy.pk}/reassign/", {"owner": colleague.pk, "agency": other_agency.pk})
    assert response.status_code == 302 and response["Location"] == "/policies/"
    assert set(policy.instalments.values_list("owner", "agency")) == {(colleague.pk, other_agency.pk)}
    assert Claim.objects.get().agency == other_agency
    assert not selectors.claim_list(user=agent).exists() and selectors.claim_list(user=colleague).count() == 1


def test_home_items_partial_renders(admin, auto):
    from django.template.loader import render_to_string

    issue(admin, auto, owner=admin, start=TODAY - datetime.timedelta(days=350))
    html = render_to_string("portfolio/partials/_home_items.html", {"items": selectors.home_items(admin)})
    assert 'data-testid="portfolio-home"' in html and "AUT-" in html


def test_ageing_filtered_by_agency(client, org, admin, agent, auto):
    issue(admin, auto, owner=agent, agency=agent.agency)
    other = f.AgencyFactory(organization=org, number="031-010")
    client.force_login(admin)
    assert "Aucun impayé." in client.get(f"/receivables/ageing/?agency={other.pk}").content.decode()
    assert "Aucun impayé." not in client.get(f"/receivables/ageing/?agency={agent.agency_id}").content.decode()


def test_policy_documents_tab_conditions_pdf_and_attachments(client, agent, auto):
    policy = issue(agent, auto)
    client.force_login(agent)
    page = client.get(f"/policies/{policy.pk}/?tab=documents")
    assert page.status_code == 200 and 'data-testid="conditions"' in page.content.decode()
    pdf = client.get(f"/policies/{policy.pk}/conditions/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    claim = services.claim_declare(actor=agent, policy=policy, claim_type="collision",
                                   loss_date=TODAY - datetime.timedelta(days=3))
    assert client.get(claim.get_absolute_url()).status_code == 200
