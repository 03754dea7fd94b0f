"""Pages: list and kanban (filters, totals, query counts), HTMX moves (success swaps the board,
refusals 4xx and nothing changed), detail, forms with field errors, targets, forecast, home page
(constant queries) and the personal dashboard (persistence, scoping)."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assura.activities.tests.factories import ActivityFactory
from assura.core.testing import factories as f
from assura.leads.tests.factories import LeadFactory
from assura.sales.models import DashboardWidget, Opportunity, SalesTarget
from assura.sales.tests.factories import OpportunityFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def many(org, agent, agency, n, **kwargs):
    return [OpportunityFactory(organization=org, owner=agent, agency=agency, **kwargs) for _ in range(n)]


def test_list_filters_and_query_count(agent_client, org, agent, agency, stages, django_assert_max_num_queries):
    many(org, agent, agency, 3)
    OpportunityFactory(organization=org, owner=agent, agency=agency, name="Flotte Cevital", kind="renouvellement")
    with django_assert_max_num_queries(14):
        response = agent_client.get(reverse("sales:opportunity_list"))
    assert response.status_code == 200 and "Flotte Cevital" in text(response)
    many(org, agent, agency, 20)
    with CaptureQueriesContext(connection) as big:
        agent_client.get(reverse("sales:opportunity_list"))
    assert len(big) <= 14
    response = agent_client.get(reverse("sales:opportunity_list"), {"kind": "renouvellement"})
    body = text(response)
    assert "Flotte Cevital" in body and "Flotte automobile" not in body


def test_agent_sees_only_own_and_agency(agent_client, org, agent, agency, stages):
    elsewhere = f.AgencyFactory(organization=org, number="031-009")
    stranger = f.UserFactory(organization=org, agency=elsewhere)
    OpportunityFactory(organization=org, owner=stranger, agency=elsewhere, name="Hors de vue")
    OpportunityFactory(organization=org, owner=agent, agency=agency, name="Dans ma vue")
    body = text(agent_client.get(reverse("sales:kanban")))
    assert "Dans ma vue" in body and "Hors de vue" not in body
    hidden = Opportunity.objects.get(name="Hors de vue")
    assert agent_client.get(reverse("sales:opportunity_detail", args=[hidden.pk])).status_code == 404


def column(body: str, stage_pk: int) -> str:
    match = re.search(rf'data-testid="column-{stage_pk}".*?</header>', body, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_kanban_totals_filters_and_constant_queries(agent_client, org, agent, agency, stages):
    qualif = stages["Qualification"]
    OpportunityFactory(organization=org, owner=agent, agency=agency, stage=qualif, probability=20,
                       amount=Decimal("1000.00"))
    OpportunityFactory(organization=org, owner=agent, agency=agency, stage=qualif, probability=50,
                       amount=Decimal("0.01"), kind="extension")
    body = text(agent_client.get(reverse("sales:kanban")))
    col = column(body, qualif.pk)
    assert "Qualification 2" in col
    assert "1 000,01 DA" in col.replace("\u202f", " ").replace("\xa0", " ")
    assert "200,01 DA" in col.replace("\u202f", " ").replace("\xa0", " ")  # 200 + 0.005 → 200.01
    filtered = text(agent_client.get(reverse("sales:kanban"), {"kind": "extension"}))
    assert "Qualification 1" in column(filtered, qualif.pk)
    with CaptureQueriesContext(connection) as small:
        agent_client.get(reverse("sales:kanban"))
    many(org, agent, agency, 15)
    many(org, agent, agency, 5, stage=stages["Négociation"])
    with CaptureQueriesContext(connection) as big:
        agent_client.get(reverse("sales:kanban"))
    assert len(big) <= len(small) + 2  # at most one query per non-empty column, never one per card


def test_kanban_close_month_and_stale_filters(agent_client, org, agent, agency, stages):
    soon = timezone.localdate() + timedelta(days=40)
    OpportunityFactory(organization=org, owner=agent, agency=agency, name="Mois choisi", expected_close_date=soon)
    OpportunityFactory(organization=org, owner=agent, agency=agency, name="Vieille affaire",
                       last_activity_at=timezone.now() - timedelta(days=90))
    body = text(agent_client.get(reverse("sales:kanban"), {"close_month": soon.strftime("%Y-%m")}))
    assert "Mois choisi" in body
    stale = text(agent_client.get(reverse("sales:kanban"), {"stale": "true"}))
    assert "Vieille affaire" in stale and "Mois choisi" not in stale
    assert "À relancer" in stale


def test_htmx_move_swaps_the_board_with_new_totals(agent_client, org, agent, agency, stages):
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency, amount=Decimal("5000.00"))
    nego = stages["Négociation"]
    response = agent_client.post(reverse("sales:opportunity_move", args=[opp.pk]),
                                 {"stage": nego.pk, "from": "kanban", "filters": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="kanban-board"')
    assert "Négociation 1" in column(body, nego.pk)
    opp.refresh_from_db()
    assert opp.stage == nego and opp.probability == 80


def test_htmx_move_refusals_answer_4xx_with_the_reason_and_change_nothing(client, org, agent, editor, agency,
                                                                           stages):
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency)
    url = reverse("sales:opportunity_move", args=[opp.pk])
    client.force_login(editor)
    response = client.post(url, {"stage": stages["Négociation"].pk, "from": "kanban"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and "permission" in text(response)
    response = client.post(url, {"stage": stages["Négociation"].pk})
    assert response.status_code == 403
    client.force_login(agent)
    response = client.post(url, {"stage": stages["Perdue"].pk, "from": "kanban"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "raison de la perte" in text(response)
    lost = OpportunityFactory(organization=org, owner=agent, agency=agency, stage=stages["Perdue"], status="lost",
                              loss_reason="prix")
    response = client.post(reverse("sales:opportunity_move", args=[lost.pk]),
                           {"stage": stages["Négociation"].pk, "from": "kanban"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "rouvrez-la" in text(response)
    opp.refresh_from_db()
    lost.refresh_from_db()
    assert opp.stage == stages["Prospection"] and lost.stage == stages["Perdue"]


def test_create_form_errors_beside_fields_and_nothing_saved(agent_client, contact, stages):
    response = agent_client.post(reverse("sales:opportunity_create"), {
        "name": "Flotte", "contact": contact.pk, "kind": "nouvelle", "probability": "140",
        "expected_close_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "branch_0": "automobile", "premium_0": "-10",
    })
    assert response.status_code == 200
    body = text(response)
    assert "La probabilité va de 0 à 100 %." in body
    assert "ne peut pas être passée" in body
    assert Opportunity.objects.count() == 0


def test_create_then_detail_and_lose_and_reopen(agent_client, contact, stages):
    response = agent_client.post(reverse("sales:opportunity_create"), {
        "name": "Multirisque habitation Benali", "contact": contact.pk, "kind": "nouvelle",
        "expected_close_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "branch_0": "habitation", "produit_0": "MRH Confort", "premium_0": "45000.50",
        "branch_1": "catnat", "premium_1": "4500",
    })
    opp = Opportunity.objects.get()
    assert response.status_code == 302 and opp.amount == Decimal("49500.50")
    body = text(agent_client.get(opp.get_absolute_url()))
    assert "MRH Confort" in body and "Prospection" in body
    agent_client.post(reverse("sales:opportunity_lose", args=[opp.pk]), {"loss_reason": "prix"})
    opp.refresh_from_db()
    assert opp.status == "lost"
    agent_client.post(reverse("sales:opportunity_reopen", args=[opp.pk]))
    opp.refresh_from_db()
    assert opp.status == "open" and opp.stage == stages["Prospection"]


def test_detail_query_count(agent_client, org, agent, agency, stages, django_assert_max_num_queries):
    from assura.sales import services

    opp = OpportunityFactory(organization=org, owner=agent, agency=agency)
    for name in ("Qualification", "Étude des besoins", "Négociation"):
        services.opportunity_move(actor=agent, opportunity=opp, stage=stages[name])
    with django_assert_max_num_queries(25):
        assert agent_client.get(opp.get_absolute_url()).status_code == 200


def test_targets_pages_for_admin_only(client, admin, agent, agency):
    client.force_login(agent)
    assert client.get(reverse("sales:target_list")).status_code == 403
    assert client.post(reverse("sales:target_create"), {}).status_code == 403
    client.force_login(admin)
    data = {"agency": agency.pk, "period": "quarter", "start": "2027-02-01", "premium_target": "300000",
            "count_target": "4"}
    assert client.post(reverse("sales:target_create"), data).status_code == 302
    response = client.post(reverse("sales:target_create"), data | {"period": "month", "start": "2027-03-01"})
    assert response.status_code == 200 and "chevauche" in text(response)
    assert SalesTarget.objects.count() == 1
    assert client.get(reverse("sales:target_list")).status_code == 200


def test_stage_pages_for_admin_only(client, admin, agent, stages):
    client.force_login(agent)
    assert client.get(reverse("sales:stage_list")).status_code == 403
    client.force_login(admin)
    assert "Négociation" in text(client.get(reverse("sales:stage_list")))


def test_forecast_page(client, supervisor, org, agent, agency, stages):
    OpportunityFactory(organization=org, owner=agent, agency=agency, amount=Decimal("1234.00"))
    client.force_login(supervisor)
    response = client.get(reverse("sales:forecast"), {"group_by": "user", "period": "quarter"})
    assert response.status_code == 200
    assert "1 234,00" in text(response).replace("\u202f", " ").replace("\xa0", " ")


# --- Home ------------------------------------------------------------------------------------------------

def test_home_shows_what_to_do_today_with_constant_queries(agent_client, org, agent, agency, stages, contact):
    now = timezone.now()

    def fill(n):
        for i in range(n):
            ActivityFactory(organization=org, kind="task", subject=f"Relancer {i}", assignee=agent, agency=agency,
                            contact=contact, status="planned", occurred_at=now - timedelta(hours=i + 1),
                            due_at=now - timedelta(hours=i + 1))
            ActivityFactory(organization=org, kind="appointment", subject=f"RDV {i}", assignee=agent, agency=agency,
                            status="planned", occurred_at=now + timedelta(days=1, hours=i),
                            start_at=now + timedelta(days=1, hours=i))
            OpportunityFactory(organization=org, owner=agent, agency=agency, name=f"À conclure {i}",
                               expected_close_date=timezone.localdate() + timedelta(days=3))
    fill(1)
    with CaptureQueriesContext(connection) as small:
        response = agent_client.get(reverse("home"))
    body = text(response)
    assert "Relancer 0" in body and "RDV 0" in body and "À conclure 0" in body
    assert 'data-testid="home-tasks_today"' in body
    fill(6)
    with CaptureQueriesContext(connection) as big:
        agent_client.get(reverse("home"))
    assert len(big) == len(small)


# --- Dashboard -----------------------------------------------------------------------------------------

def test_dashboard_widget_added_is_there_on_the_next_visit(agent_client, agent):
    assert agent_client.get(reverse("sales:dashboard")).status_code == 200
    agent_client.post(reverse("sales:widget_add"), {"kind": "won_by_month"})
    assert DashboardWidget.objects.filter(user=agent, kind="won_by_month").exists()
    agent_client.logout()
    agent_client.force_login(agent)
    body = text(agent_client.get(reverse("sales:dashboard")))
    assert 'data-testid="widget-won_by_month"' in body
    widget = DashboardWidget.objects.get(user=agent, kind="won_by_month")
    agent_client.post(reverse("sales:widget_remove", args=[widget.pk]))
    assert 'data-testid="widget-won_by_month"' not in text(agent_client.get(reverse("sales:dashboard")))


def test_someone_elses_widget_is_a_404(client, agent, supervisor):
    from assura.sales import services

    services.widgets_ensure(user=supervisor)
    widget = DashboardWidget.objects.filter(user=supervisor).first()
    client.force_login(agent)
    assert client.post(reverse("sales:widget_remove", args=[widget.pk])).status_code == 404
    assert DashboardWidget.objects.filter(pk=widget.pk).exists()


def kpi(body: str, key: str) -> str:
    match = re.search(rf'data-testid="widget-{key}".*?data-testid="kpi-value">(.*?)</div>', body, re.S)
    return " ".join(match.group(1).split())


def test_agent_dashboard_counts_only_what_the_agent_sees(client, org, agent, supervisor, agency, stages):
    org.user_visibility = "own"
    org.save()
    other = f.UserFactory(organization=org, agency=f.AgencyFactory(organization=org, number="031-010"))
    LeadFactory(organization=org, owner=agent, agency=agency)
    LeadFactory(organization=org, owner=other, agency=other.agency)
    LeadFactory(organization=org, owner=other, agency=other.agency)
    won = stages["Gagnée"]
    OpportunityFactory(organization=org, owner=agent, stage=won, status="won", closed_on=timezone.localdate())
    OpportunityFactory(organization=org, owner=other, stage=won, status="won", closed_on=timezone.localdate())
    client.force_login(agent)
    body = text(client.get(reverse("sales:dashboard"), {"period": "month"}))
    assert kpi(body, "leads_created") == "1"
    assert kpi(body, "won") == "1"
    assert 'data-testid="widget-agencies"' not in body
    client.force_login(supervisor)
    body = text(client.get(reverse("sales:dashboard"), {"period": "month"}))
    assert kpi(body, "leads_created") == "3"
    assert kpi(body, "won") == "2"
    assert 'data-testid="agencies-table"' in body and "031-010" in body


def test_dashboard_query_count_is_bounded(client, supervisor, org, agent, agency, stages,
                                          django_assert_max_num_queries):
    many(org, agent, agency, 10)
    client.force_login(supervisor)
    client.get(reverse("sales:dashboard"))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("sales:dashboard"), {"period": "12m"}).status_code == 200


def test_conversion_form_offers_the_opportunity(agent_client, org, agent, agency, stages):
    lead = LeadFactory(organization=org, owner=agent, agency=agency, company="")
    body = text(agent_client.get(reverse("leads:lead_convert", args=[lead.pk])))
    assert "Créer une opportunité pour ce client" in body
    agent_client.post(reverse("leads:lead_convert", args=[lead.pk]),
                      {"contact": "new", "account": "none", "relation_kind": "employe", "opportunity": "on"})
    assert Opportunity.objects.filter(lead=lead).count() == 1


def test_contact_and_account_tabs_list_their_opportunities(agent_client, org, agent, agency, contact, account,
                                                            stages, django_assert_max_num_queries):
    for i in range(4):
        OpportunityFactory(organization=org, owner=agent, agency=agency, contact=contact, name=f"Pour le contact {i}")
    OpportunityFactory(organization=org, owner=agent, agency=agency, account=account, name="Pour le compte")
    with django_assert_max_num_queries(30):
        response = agent_client.get(contact.get_absolute_url(), {"tab": "opportunities"})
    body = text(response)
    assert "Pour le contact 3" in body and "Pour le compte" not in body
    body = text(agent_client.get(account.get_absolute_url(), {"tab": "opportunities"}))
    assert "Pour le compte" in body and f"?account={account.pk}" in body


def test_a_won_opportunity_leads_to_a_quote_or_a_policy_for_its_customer(client, agent, supervisor, make_opp,
                                                                         stages, contact):
    from assura.sales import services as sales_services

    opp = make_opp()
    won = next(s for s in stages.values() if s.is_won)
    sales_services.opportunity_move(actor=agent, opportunity=opp, stage=won)

    client.force_login(agent)
    body = text(client.get(reverse("sales:opportunity_detail", args=[opp.pk])))
    assert f'href="/quotes/new/?contact={contact.pk}"' in body and f'href="/policies/new/?contact={contact.pk}"' in body
    # The quote form opens on that customer.
    assert client.get(f"/quotes/new/?contact={contact.pk}").status_code == 200

    client.force_login(supervisor)  # reads everything, issues nothing
    assert 'data-testid="won-quote"' not in text(client.get(reverse("sales:opportunity_detail", args=[opp.pk])))


