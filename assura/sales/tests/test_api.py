"""API: opportunities (list, create, 400 shape, move, reopen, 403, 404 across companies), stages,
targets (overlap → 400), forecast, dashboard widgets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assura.sales.models import DashboardWidget, Opportunity, SalesTarget
from assura.sales.tests.factories import OpportunityFactory


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def future(days=10):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_create_list_and_400_shape(api, agent, contact, stages, django_assert_max_num_queries):
    as_user(api, agent)
    response = api.post("/api/v1/opportunities/", {
        "name": "Flotte 12 véhicules", "contact": contact.pk, "expected_close_date": future(),
        "lines": [{"branch": "automobile", "produit": "Tous risques", "premium": "250000.10"},
                  {"branch": "catnat", "premium": "9999.90"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "260000.00" and body["probability"] == 10 and body["status"] == "open"
    assert body["weighted_amount"] == "26000.0000"
    response = api.post("/api/v1/opportunities/", {
        "name": "Mauvaise", "contact": contact.pk, "expected_close_date": "2020-01-01", "probability": 50,
        "lines": [{"branch": "automobile", "premium": "-5"}],
    }, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"expected_close_date", "lines"} <= set(errors)
    assert errors["lines"] == ["Ligne 1 : un montant ne peut pas être négatif."]
    response = api.post("/api/v1/opportunities/", {"name": "Sans client", "expected_close_date": future(),
                                                   "probability": 101}, format="json")
    assert response.status_code == 400 and "probability" in response.json()
    assert Opportunity.objects.count() == 1
    for _ in range(5):
        OpportunityFactory(organization=agent.organization, owner=agent, agency=agent.agency)
    with django_assert_max_num_queries(10):
        response = api.get("/api/v1/opportunities/")
    assert response.json()["count"] == 6


def test_close_date_in_the_past_refused_on_field(api, agent, contact, stages):
    as_user(api, agent)
    response = api.post("/api/v1/opportunities/", {"name": "X", "contact": contact.pk,
                                                   "expected_close_date": "2020-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"expected_close_date": [
        "La date de clôture prévue d'une opportunité en cours ne peut pas être passée."]}


def test_move_and_reopen(api, agent, org, agency, stages):
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency)
    as_user(api, agent)
    url = f"/api/v1/opportunities/{opp.pk}/move/"
    response = api.post(url, {"stage": stages["Perdue"].pk}, format="json")
    assert response.status_code == 400 and response.json() == {"loss_reason": ["Indiquez la raison de la perte."]}
    response = api.post(url, {"stage": stages["Perdue"].pk, "loss_reason": "concurrent"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "lost"
    response = api.post(url, {"stage": stages["Négociation"].pk}, format="json")
    assert response.status_code == 400 and "rouvrez-la" in response.json()["stage"][0]
    response = api.post(f"/api/v1/opportunities/{opp.pk}/reopen/")
    assert response.status_code == 200 and response.json()["status"] == "open"
    response = api.post(url, {"stage": stages["Négociation"].pk}, format="json")
    assert response.json()["probability"] == 80


def test_permissions_403_and_unchanged(api, editor, agent, org, agency, stages, contact):
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency)
    as_user(api, editor)
    assert api.get("/api/v1/opportunities/").status_code == 200
    response = api.post(f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stages["Négociation"].pk}, format="json")
    assert response.status_code == 403
    assert api.post("/api/v1/opportunities/", {"name": "X", "contact": contact.pk, "expected_close_date": future()},
                    format="json").status_code == 403
    opp.refresh_from_db()
    assert opp.stage == stages["Prospection"]
    as_user(api, agent)
    assert api.post("/api/v1/targets/", {}, format="json").status_code == 403
    assert api.get("/api/v1/targets/").status_code == 403


def test_another_companys_opportunity_is_a_404(api, other_admin, agent, org, agency, stages):
    opp = OpportunityFactory(organization=org, owner=agent, agency=agency)
    as_user(api, other_admin)
    assert api.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 404
    response = api.post(f"/api/v1/opportunities/{opp.pk}/move/", {"stage": stages["Gagnée"].pk}, format="json")
    assert response.status_code == 404
    opp.refresh_from_db()
    assert opp.status == "open"


def test_stages_api(api, admin, agent, stages):
    as_user(api, agent)
    names = [s["name"] for s in api.get("/api/v1/pipeline-stages/").json()]
    assert names[0] == "Prospection" and len(names) == 7
    assert api.post("/api/v1/pipeline-stages/", {"name": "Visite", "order": 15, "probability": 15},
                    format="json").status_code == 403
    as_user(api, admin)
    assert api.post("/api/v1/pipeline-stages/", {"name": "Visite", "order": 15, "probability": 15},
                    format="json").status_code == 201
    response = api.post("/api/v1/pipeline-stages/", {"name": "Double", "order": 1, "probability": 5, "is_won": True,
                                                     "is_lost": True}, format="json")
    assert response.status_code == 400 and "is_lost" in response.json()


def test_targets_api_overlap(api, admin, agency):
    as_user(api, admin)
    data = {"agency": agency.pk, "period": "month", "start": "2027-01-10", "premium_target": "100000.00",
            "count_target": 3}
    response = api.post("/api/v1/targets/", data, format="json")
    assert response.status_code == 201 and response.json()["start"] == "2027-01-01"
    assert response.json()["end"] == "2027-01-31"
    response = api.post("/api/v1/targets/", data | {"period": "year"}, format="json")
    assert response.status_code == 400 and "start" in response.json()
    assert SalesTarget.objects.count() == 1


def test_forecast_api(api, supervisor, org, agent, agency, stages):
    year = timezone.localdate().year + 1
    OpportunityFactory(organization=org, owner=agent, agency=agency, amount=Decimal("1000.00"), probability=25,
                       expected_close_date=timezone.datetime(year, 3, 3).date())
    as_user(api, supervisor)
    response = api.get("/api/v1/forecast/", {"year": year, "period": "quarter", "group_by": "agency"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["total"]["pipeline"] == "1000.00" and body["total"]["total"]["weighted"] == "250.00"
    assert body["rows"][0]["cells"][0]["start"] == f"{year}-01-01"
    assert api.get("/api/v1/forecast/", {"group_by": "planet"}).status_code == 400


def test_widgets_api(api, agent, supervisor):
    as_user(api, agent)
    widgets = api.get("/api/v1/dashboard/widgets/").json()
    assert "won" in [w["kind"] for w in widgets]
    response = api.post("/api/v1/dashboard/widgets/", {"kind": "won_by_month"}, format="json")
    assert response.status_code == 201
    assert api.post("/api/v1/dashboard/widgets/", {"kind": "agencies"}, format="json").status_code == 400
    ids = [w["id"] for w in api.get("/api/v1/dashboard/widgets/").json()][::-1]
    response = api.post("/api/v1/dashboard/widgets/reorder/", {"ids": ids}, format="json")
    assert [w["id"] for w in response.json()] == ids
    assert [w["id"] for w in api.get("/api/v1/dashboard/widgets/").json()] == ids
    theirs = DashboardWidget.objects.create(organization=supervisor.organization, user=supervisor, kind="won")
    assert api.delete(f"/api/v1/dashboard/widgets/{theirs.pk}/").status_code == 404
    assert api.delete(f"/api/v1/dashboard/widgets/{ids[0]}/").status_code == 204
