"""Forecast arithmetic, exact in Decimal: tables of cases for the weighted amount and the
achievement, then whole forecasts (by month, quarter, agency, user, branch), targets placement
and scoping to what the user may see."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assura.core.testing import factories as f
from assura.sales import forecast as fc
from assura.sales.forecast import Cell, achievement, forecast, weighted
from assura.sales.tests.factories import OpportunityFactory, OpportunityLineFactory, SalesTargetFactory


@pytest.mark.parametrize(("amount", "probability", "expected"), [
    ("100000.00", 10, "10000.0000"),
    ("0.01", 33, "0.0033"),
    ("0.03", 50, "0.0150"),
    ("999999999999.99", 100, "999999999999.9900"),
    ("123456.78", 0, "0.0000"),
    ("1.11", 7, "0.0777"),
])
def test_weighted_is_exact(amount, probability, expected):
    assert weighted(Decimal(amount), probability) == Decimal(expected)


@pytest.mark.parametrize(("parts", "expected"), [
    # Σ of several weighted amounts is summed exactly and rounded half-up once, at the end.
    ([("0.01", 50), ("0.01", 50)], "0.01"),        # 0.005 + 0.005 = 0.01 (rounding each would give 0.02)
    ([("0.01", 50)], "0.01"),                      # 0.005 → half-up
    ([("0.01", 49)], "0.00"),
    ([("10.00", 33), ("10.00", 33), ("10.00", 34)], "10.00"),
    ([("1000000.00", 15), ("250000.50", 60)], "300000.30"),
])
def test_cell_weighted_sums_exactly_then_rounds(parts, expected):
    cell = Cell()
    for amount, probability in parts:
        cell.weighted_raw += Decimal(amount) * probability
    assert cell.weighted == Decimal(expected)


@pytest.mark.parametrize(("done", "target", "expected"), [
    (Decimal("50"), Decimal("200"), Decimal("25.0")),
    (Decimal("1"), Decimal("3"), Decimal("33.3")),
    (Decimal("2"), Decimal("3"), Decimal("66.7")),
    (Decimal("1"), Decimal("8"), Decimal("12.5")),
    (Decimal("300"), Decimal("200"), Decimal("150.0")),
    (Decimal("5"), Decimal("0"), None),
    (3, 4, Decimal("75.0")),
])
def test_achievement(done, target, expected):
    assert achievement(done, target) == expected


@pytest.mark.parametrize(("day", "period", "bucket"), [
    (date(2026, 2, 28), "month", date(2026, 2, 1)),
    (date(2026, 3, 31), "quarter", date(2026, 1, 1)),
    (date(2026, 4, 1), "quarter", date(2026, 4, 1)),
    (date(2026, 12, 31), "quarter", date(2026, 10, 1)),
])
def test_buckets(day, period, bucket):
    assert fc.bucket_of(day, period) == bucket


@pytest.fixture
def year():
    return timezone.localdate().year + 1  # a whole future year: open close dates are allowed there


@pytest.fixture
def data(org, agency, agent, stages, year):
    """Two agencies; open, won and lost opportunities; monthly, quarterly and yearly targets."""
    other_agency = f.AgencyFactory(organization=org, number="031-002", name="Oran")
    colleague = f.UserFactory(organization=org, agency=other_agency, role="user")
    open_stage, won, lost = stages["Qualification"], stages["Gagnée"], stages["Perdue"]

    def opp(stage, amount, probability, close, owner, ag, closed=None):
        return OpportunityFactory(organization=org, stage=stage, status=stage.status, amount=Decimal(amount),
                                  probability=probability, expected_close_date=close, owner=owner, agency=ag,
                                  closed_on=closed)

    opp(open_stage, "100000.00", 20, date(year, 1, 15), agent, agency)
    opp(open_stage, "0.01", 50, date(year, 1, 20), agent, agency)
    opp(open_stage, "0.01", 50, date(year, 2, 3), agent, agency)
    opp(open_stage, "50000.00", 60, date(year, 4, 1), colleague, other_agency)
    opp(won, "70000.00", 100, date(year, 1, 5), agent, agency, closed=date(year, 2, 10))
    opp(won, "30000.00", 100, date(year, 3, 5), colleague, other_agency, closed=date(year, 3, 28))
    opp(lost, "999999.00", 0, date(year, 1, 5), agent, agency, closed=date(year, 1, 6))
    opp(open_stage, "777.00", 50, date(year + 1, 1, 5), agent, agency)  # another year: not counted
    for month, premium in ((1, "100000.00"), (2, "40000.00")):
        SalesTargetFactory(organization=org, user=None, agency=agency, period="month", start=date(year, month, 1),
                           end=fc.bucket_end(date(year, month, 1), "month"), premium_target=Decimal(premium),
                           count_target=2)
    SalesTargetFactory(organization=org, user=None, agency=other_agency, period="quarter", start=date(year, 1, 1),
                       end=date(year, 3, 31), premium_target=Decimal("60000.00"), count_target=1)
    SalesTargetFactory(organization=org, user=agent, period="year", start=date(year, 1, 1), end=date(year, 12, 31),
                       premium_target=Decimal("1000000.00"), count_target=10)
    return {"agency": agency, "other": other_agency, "colleague": colleague}


def row(result, key):
    return next(r for r in result.rows if r.key == key)


def test_forecast_by_agency_and_month(data, supervisor, year, agency):
    result = forecast(user=supervisor, year=year, period="month", group_by="agency")
    alger = row(result, agency.pk)
    jan, feb = alger.cells[date(year, 1, 1)], alger.cells[date(year, 2, 1)]
    assert jan.pipeline == Decimal("100000.01") and jan.weighted == Decimal("20000.01") and jan.open_count == 2
    assert feb.pipeline == Decimal("0.01") and feb.weighted == Decimal("0.01")
    assert feb.won == Decimal("70000.00") and feb.won_count == 1
    assert jan.target == Decimal("100000.00") and feb.target == Decimal("40000.00")
    assert jan.achievement == Decimal("0.0") and feb.achievement == Decimal("175.0")
    assert alger.total.pipeline == Decimal("100000.02")
    assert alger.total.weighted == Decimal("20000.01")  # 20000 + 0.005 + 0.005, rounded once
    assert alger.total.won == Decimal("70000.00") and alger.total.target == Decimal("140000.00")
    assert alger.total.achievement == Decimal("50.0")
    oran = row(result, data["other"].pk)
    # A quarterly target does not fit in a month: only in the year total.
    assert all(c.target == 0 for c in oran.cells.values()) and oran.total.target == Decimal("60000.00")
    assert oran.total.achievement == Decimal("50.0")
    assert result.total.total.pipeline == Decimal("150000.02")
    assert result.total.total.won == Decimal("100000.00")
    assert result.total.total.target == Decimal("200000.00")


def test_forecast_by_quarter(data, supervisor, year, agency):
    result = forecast(user=supervisor, year=year, period="quarter", group_by="agency")
    oran = row(result, data["other"].pk)
    q1, q2 = oran.cells[date(year, 1, 1)], oran.cells[date(year, 4, 1)]
    assert q1.target == Decimal("60000.00") and q1.won == Decimal("30000.00") and q1.achievement == Decimal("50.0")
    assert q2.pipeline == Decimal("50000.00") and q2.weighted == Decimal("30000.00")
    alger = row(result, agency.pk)
    assert alger.cells[date(year, 1, 1)].target == Decimal("140000.00")
    assert len(result.buckets) == 4


def test_forecast_by_user_places_a_yearly_target_in_the_total(data, supervisor, agent, year):
    result = forecast(user=supervisor, year=year, period="month", group_by="user")
    mine = row(result, agent.pk)
    assert mine.total.target == Decimal("1000000.00") and mine.total.target_count == 10
    assert mine.total.won == Decimal("70000.00") and mine.total.achievement == Decimal("7.0")
    assert mine.total.count_achievement == Decimal("10.0")


def test_forecast_by_branch_splits_lines(org, supervisor, stages, year):
    opp = OpportunityFactory(organization=org, stage=stages["Négociation"], probability=80,
                             amount=Decimal("150.00"), expected_close_date=date(year, 5, 5))
    OpportunityLineFactory(opportunity=opp, branch="automobile", premium=Decimal("100.00"))
    OpportunityLineFactory(opportunity=opp, branch="habitation", premium=Decimal("50.00"))
    result = forecast(user=supervisor, year=year, period="quarter", group_by="branch")
    auto, home = row(result, "automobile"), row(result, "habitation")
    assert auto.total.pipeline == Decimal("100.00") and auto.total.weighted == Decimal("80.00")
    assert home.total.pipeline == Decimal("50.00") and home.total.weighted == Decimal("40.00")
    assert auto.label == "Automobile"


def test_forecast_by_region(data, supervisor, year, agency):
    region = f.RegionFactory(organization=agency.organization)
    agency.region = region
    agency.save()
    result = forecast(user=supervisor, year=year, period="month", group_by="region")
    regional = row(result, region.pk)
    assert regional.total.pipeline == Decimal("100000.02") and regional.total.target == Decimal("140000.00")
    assert row(result, None).total.pipeline == Decimal("50000.00")  # agencies without region


def test_forecast_is_scoped_to_what_the_agent_sees(data, agent, year, agency, org):
    org.user_visibility = "own"
    org.save()
    agent.refresh_from_db()
    result = forecast(user=agent, year=year, period="month", group_by="agency")
    assert [r.key for r in result.rows] == [agency.pk]
    assert result.total.total.pipeline == Decimal("100000.02")
    assert result.total.total.won == Decimal("70000.00")


def test_open_opportunity_past_year_not_counted(data, supervisor, year):
    result = forecast(user=supervisor, year=year + 1, period="month", group_by="agency")
    assert result.total.total.pipeline == Decimal("777.00")
    assert timezone.localdate() < date(year + 1, 1, 5) + timedelta(days=1)
