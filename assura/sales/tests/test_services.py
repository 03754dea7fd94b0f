"""Services: opportunities (amount, probability, history, bad input refused and nothing changed),
moves and reopening, stages, targets, widgets, the lead-conversion step."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assura.core.testing import factories as f
from assura.leads.services import lead_convert
from assura.leads.tests.factories import LeadFactory
from assura.sales import services
from assura.sales.models import DashboardWidget, Opportunity, PipelineStage, SalesTarget, StageHistory


def errors(exc) -> dict:
    return exc.value.message_dict


def test_default_stages_created_once_per_company(org, other_org):
    first = services.stages_ensure(organization_id=org.pk)
    again = services.stages_ensure(organization_id=org.pk)
    assert [s.name for s in first] == ["Prospection", "Qualification", "Étude des besoins", "Proposition/Devis",
                                       "Négociation", "Gagnée", "Perdue"]
    assert [s.pk for s in again] == [s.pk for s in first]
    assert [s.probability for s in first] == [10, 20, 40, 60, 80, 100, 0]
    assert sum(s.is_won for s in first) == 1 and sum(s.is_lost for s in first) == 1
    assert PipelineStage.objects.filter(organization=other_org).count() == 0


def test_create_sums_lines_defaults_probability_and_opens_history(make_opp, agent, stages):
    opp = make_opp()
    assert opp.amount == Decimal("150000.75")
    assert opp.stage == stages["Prospection"] and opp.probability == 10 and opp.status == "open"
    assert opp.owner == agent and opp.agency_id == agent.agency_id
    assert list(opp.lines.values_list("branch", flat=True)) == ["automobile", "habitation"]
    stay = StageHistory.objects.get(opportunity=opp)
    assert stay.stage == stages["Prospection"] and stay.left_at is None and stay.actor == agent


def test_create_with_probability_override(make_opp, stages):
    opp = make_opp(stage=stages["Négociation"], probability=65)
    assert opp.probability == 65


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"lines": [{"branch": "automobile", "premium": Decimal("-1")}]}, "lines"),
    ({"lines": [{"branch": "inconnue", "premium": Decimal("10")}]}, "lines"),
    ({"probability": 101}, "probability"),
    ({"probability": -5}, "probability"),
    ({"expected_close_date": date(2020, 1, 1)}, "expected_close_date"),
    ({"contact": None}, "account"),
    ({"name": ""}, "name"),
    ({"kind": "autre"}, "kind"),
])
def test_bad_input_refused_with_field_error_and_nothing_created(make_opp, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        make_opp(**kwargs)
    assert field in errors(exc)
    assert Opportunity.objects.count() == 0
    assert StageHistory.objects.count() == 0


def test_messages_are_french(make_opp):
    with pytest.raises(ValidationError) as exc:
        make_opp(probability=150, expected_close_date=timezone.localdate() - timedelta(days=1))
    assert errors(exc)["probability"] == ["La probabilité va de 0 à 100 %."]
    assert "ne peut pas être passée" in errors(exc)["expected_close_date"][0]


def test_lost_stage_on_creation_needs_a_reason(make_opp, stages):
    with pytest.raises(ValidationError) as exc:
        make_opp(stage=stages["Perdue"])
    assert "loss_reason" in errors(exc)


def test_roles_without_the_action_are_refused(make_opp, editor, supervisor, contact):
    for actor in (editor, supervisor):
        with pytest.raises(PermissionDenied):
            make_opp(actor=actor)
    assert Opportunity.objects.count() == 0


def test_another_companys_contact_is_a_404(make_opp, other_org):
    from django.http import Http404

    from assura.customers.tests.factories import ContactFactory

    with pytest.raises(Http404):
        make_opp(contact=ContactFactory(organization=other_org))


def test_move_records_history_and_time_per_stage(make_opp, agent, stages):
    opp = make_opp()
    services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Qualification"])
    services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Négociation"])
    opp.refresh_from_db()
    assert opp.stage == stages["Négociation"] and opp.probability == 80
    stays = list(StageHistory.objects.filter(opportunity=opp).order_by("entered_at", "id"))
    assert [s.stage.name for s in stays] == ["Prospection", "Qualification", "Négociation"]
    assert all(s.left_at is not None for s in stays[:-1]) and stays[-1].left_at is None
    assert stays[0].left_at == stays[1].entered_at
    durations = services.stage_durations(opp, now=stays[-1].entered_at + timedelta(days=3))
    assert durations[-1]["stage"].name == "Négociation" and durations[-1]["duration"] == timedelta(days=3)


def test_won_sets_closed_on_and_a_closed_opportunity_does_not_move(make_opp, agent, stages):
    opp = make_opp()
    services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Gagnée"])
    opp.refresh_from_db()
    assert opp.status == "won" and opp.closed_on == timezone.localdate() and opp.probability == 100
    with pytest.raises(ValidationError) as exc:
        services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Qualification"])
    assert "rouvrez-la" in errors(exc)["stage"][0]


def test_lost_needs_reason_and_cannot_move_without_reopen(make_opp, agent, stages):
    opp = make_opp()
    with pytest.raises(ValidationError) as exc:
        services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Perdue"])
    assert "loss_reason" in errors(exc)
    opp.refresh_from_db()
    assert opp.status == "open"
    services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Qualification"])
    services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Perdue"], loss_reason="prix")
    before = StageHistory.objects.filter(opportunity=opp).count()
    with pytest.raises(ValidationError) as exc:
        services.opportunity_move(actor=agent, opportunity=opp, stage=stages["Négociation"])
    assert errors(exc)["stage"] == ["Cette opportunité est perdue : rouvrez-la avant de la déplacer."]
    opp.refresh_from_db()
    assert opp.status == "lost" and opp.loss_reason == "prix"
    assert StageHistory.objects.filter(opportunity=opp).count() == before
    services.opportunity_reopen(actor=agent, opportunity=opp)
    opp.refresh_from_db()
    assert opp.stage == stages["Qualification"] and opp.status == "open" and opp.loss_reason == ""
    assert opp.closed_on is None


def test_move_permission_refused_and_unchanged(make_opp, editor, stages):
    opp = make_opp()
    with pytest.raises(PermissionDenied):
        services.opportunity_move(actor=editor, opportunity=opp, stage=stages["Négociation"])
    opp.refresh_from_db()
    assert opp.stage == stages["Prospection"]


def test_update_replaces_lines_and_records_history(make_opp, agent):
    from assura.core.models import FieldChange

    opp = make_opp()
    services.opportunity_update(actor=agent, opportunity=opp, name="Flotte 40 véhicules",
                                lines=[{"branch": "automobile", "premium": "99.99"}])
    opp.refresh_from_db()
    assert opp.amount == Decimal("99.99") and opp.lines.count() == 1
    assert FieldChange.objects.filter(object_id=opp.pk, field="amount").exists()
    with pytest.raises(ValidationError):
        services.opportunity_update(actor=agent, opportunity=opp, probability=300)
    opp.refresh_from_db()
    assert opp.probability == 10


def test_stage_save_refuses_won_and_lost_and_duplicates(admin, agent, stages):
    with pytest.raises(ValidationError) as exc:
        services.stage_save(actor=admin, name="Signée", order=5, probability=100, is_won=True, is_lost=True)
    assert "is_lost" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.stage_save(actor=admin, name="qualification", order=5, probability=20)
    assert "name" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.stage_save(actor=admin, name="Visite", order=5, probability=120)
    assert "probability" in errors(exc)
    with pytest.raises(PermissionDenied):
        services.stage_save(actor=agent, name="Visite", order=5, probability=20)
    stage = services.stage_save(actor=admin, name="Visite", order=25, probability=30)
    assert stage.status == "open"


# --- Targets ---------------------------------------------------------------------------------------------

def test_target_periods_and_overlap(admin, agent, agency):
    t = services.target_save(actor=admin, user=agent, period="month", start=date(2026, 2, 14),
                             premium_target=Decimal("500000"), count_target=3)
    assert (t.start, t.end) == (date(2026, 2, 1), date(2026, 2, 28))
    q = services.target_save(actor=admin, agency=agency, period="quarter", start=date(2026, 2, 1),
                             premium_target=Decimal("1"))
    assert (q.start, q.end) == (date(2026, 1, 1), date(2026, 3, 31))
    with pytest.raises(ValidationError) as exc:
        services.target_save(actor=admin, user=agent, period="quarter", start=date(2026, 1, 1),
                             premium_target=Decimal("1"))
    assert "chevauche" in errors(exc)["start"][0]
    with pytest.raises(ValidationError) as exc:
        services.target_save(actor=admin, user=agent, period="year", start=date(2026, 6, 1),
                             premium_target=Decimal("1"))
    assert "start" in errors(exc)
    assert SalesTarget.objects.count() == 2
    services.target_save(actor=admin, user=agent, period="month", start=date(2026, 3, 1), premium_target=Decimal("1"))
    services.target_save(actor=admin, target=t, user=agent, period="month", start=date(2026, 2, 1),
                         premium_target=Decimal("600000"))  # changing itself is no overlap
    t.refresh_from_db()
    assert t.premium_target == Decimal("600000")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"premium_target": Decimal("-1")}, "premium_target"),
    ({"user": None}, "user"),
    ({"agency": "both"}, "user"),
    ({"period": "week"}, "period"),
])
def test_target_bad_input(admin, agent, agency, kwargs, field):
    data = {"user": agent, "period": "month", "start": date(2026, 5, 1), "premium_target": Decimal("10")} | kwargs
    if data.get("agency") == "both":
        data["agency"] = agency
    with pytest.raises(ValidationError) as exc:
        services.target_save(actor=admin, **data)
    assert field in errors(exc)
    assert SalesTarget.objects.count() == 0


def test_targets_need_the_action(agent, supervisor):
    for actor in (agent, supervisor):
        with pytest.raises(PermissionDenied):
            services.target_save(actor=actor, user=agent, period="month", start=date(2026, 5, 1),
                                 premium_target=Decimal("10"))


# --- Widgets ---------------------------------------------------------------------------------------------

def test_widgets_add_remove_reorder_are_saved_per_user(agent, supervisor):
    defaults = services.widgets_ensure(user=agent)
    assert "agencies" not in [w.kind for w in defaults]  # company-wide widget: not for an agent
    assert "agencies" in [w.kind for w in services.widgets_ensure(user=supervisor)]
    with pytest.raises(ValidationError):
        services.widget_add(actor=agent, kind="agencies")
    with pytest.raises(ValidationError):
        services.widget_add(actor=agent, kind="won")  # already there
    services.widget_add(actor=agent, kind="won_by_month")
    kinds = list(DashboardWidget.objects.filter(user=agent).values_list("kind", flat=True))
    assert kinds[-1] == "won_by_month"
    last = DashboardWidget.objects.get(user=agent, kind="won_by_month")
    services.widget_move(actor=agent, widget=last, direction="up")
    kinds2 = list(DashboardWidget.objects.filter(user=agent).values_list("kind", flat=True))
    assert kinds2[-2] == "won_by_month" and kinds2[-1] == kinds[-2]
    services.widget_remove(actor=agent, widget=last)
    assert not DashboardWidget.objects.filter(user=agent, kind="won_by_month").exists()
    with pytest.raises(ValidationError):
        services.widgets_reorder(actor=agent, ids=[1, 2])


# --- Lead conversion ---------------------------------------------------------------------------------------

def test_conversion_step_creates_an_opportunity(org, agent, agency, stages):
    lead = LeadFactory(organization=org, owner=agent, agency=agency, company="", products_wanted="Auto flotte")
    result = lead_convert(actor=agent, lead=lead, options={"opportunity": True})
    opp = result.extra["opportunity"]
    assert opp.lead == lead and opp.contact == result.contact and opp.source == lead.source
    assert opp.stage == stages["Prospection"] and opp.owner == agent and "Auto flotte" in opp.name
    lead2 = LeadFactory(organization=org, owner=agent, agency=agency)
    lead_convert(actor=agent, lead=lead2, options={})
    assert Opportunity.objects.count() == 1


def test_lazy_stages_for_a_new_company(db):
    org = f.OrganizationFactory()
    user = f.UserFactory(organization=org, role="admin")
    assert services.first_open_stage(organization_id=org.pk).name == "Prospection"
    assert PipelineStage.objects.filter(organization=org).count() == 7
    assert user.organization_id == org.pk
