"""SLA clock arithmetic: working hours (08:00–16:30, Sunday–Thursday), Algerian public holidays,
pauses. Pure functions, tables of cases."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assura.service import sla

ALG = ZoneInfo("Africa/Algiers")
CAL = sla.Calendar()  # 08:00–16:30, Sunday–Thursday, no holidays
# 2026-11-01 is a Sunday (and a public holiday in Algeria: Revolution Day).
HOL = sla.Calendar(holidays=sla.algerian_holidays(2026, 2027))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ALG)


H = 3600


@pytest.mark.parametrize(("start", "seconds", "cal", "expected"), [
    (at(2, 9), 2 * H, CAL, at(2, 11)),                      # Monday morning, same day
    (at(2, 15), 2 * H, CAL, at(3, 8, 30)),                  # runs past closing into Tuesday
    (at(2, 7), 1 * H, CAL, at(2, 9)),                       # before opening: starts at 08:00
    (at(2, 18), 1 * H, CAL, at(3, 9)),                      # after closing: next morning
    (at(5, 16), 1 * H, CAL, at(8, 8, 30)),                  # Thursday → Friday/Saturday off → Sunday
    (at(6, 10), 30 * 60, CAL, at(8, 8, 30)),                # starting on a Friday
    (at(5, 8), int(8.5 * H), CAL, at(5, 16, 30)),           # exactly one working day
    (at(2, 9), 10 * int(8.5 * H), CAL, at(16, 9)),          # ten working days (two weekends)
    (at(2, 9), 0, CAL, at(2, 9)),                           # nothing to add
    (at(1, 9), 1 * H, HOL, at(2, 9)),                       # 1 November is a holiday: Monday 2
    (at(31, 16, month=10), 1 * H, HOL, at(2, 9)),           # Saturday 31 Oct → Sunday 1 Nov holiday → Monday
])
def test_add_working(start, seconds, cal, expected):
    assert sla.add_working(start, seconds, cal) == expected


@pytest.mark.parametrize(("start", "end", "cal", "expected"), [
    (at(2, 9), at(2, 11), CAL, 2 * H),
    (at(2, 15), at(3, 8, 30), CAL, 2 * H),
    (at(5, 16), at(8, 8, 30), CAL, 1 * H),                  # across the weekend
    (at(6, 9), at(7, 17), CAL, 0),                           # weekend only
    (at(2, 11), at(2, 9), CAL, 0),                           # reversed
    (at(1, 8), at(1, 16, 30), HOL, 0),                       # holiday
    (at(1, 8), at(1, 16, 30), CAL, int(8.5 * H)),            # the same day without holidays
    (at(2, 6), at(2, 20), CAL, int(8.5 * H)),                # outside hours are not counted
])
def test_working_between(start, end, cal, expected):
    assert sla.working_between(start, end, cal) == expected


@pytest.mark.parametrize(("start", "seconds"), [
    (at(2, 9), 5 * H), (at(5, 16), 3 * H), (at(2, 7), 30 * H), (at(31, 12, month=10), 12 * H),
])
def test_add_then_measure_round_trips(start, seconds):
    due = sla.add_working(start, seconds, HOL)
    begins = sla.add_working(start, 0, HOL)
    assert sla.working_between(begins, due, HOL) == seconds


def test_clock_risk_is_at_eighty_percent():
    clock = sla.clock_from(at(2, 8), 10 * H, CAL)
    assert clock.due == at(3, 9, 30)
    assert clock.risk_at == at(2, 16)


def test_pause_keeps_the_remaining_working_time():
    # A 10 h clock started Monday 08:00 is due Tuesday 09:30. Paused Monday 12:00 (6 h left),
    # resumed Wednesday 10:00: due Wednesday 16:00.
    due = sla.add_working(at(2, 8), 10 * H, CAL)
    left = sla.remaining(at(2, 12), due, CAL)
    assert left == 6 * H
    assert sla.add_working(at(4, 10), left, CAL) == at(4, 16)


def test_algerian_holidays_come_from_the_holidays_package():
    days = sla.algerian_holidays(2026, 2026)
    assert dt.date(2026, 11, 1) in days and dt.date(2026, 7, 5) in days and dt.date(2026, 1, 1) in days


def test_a_calendar_must_make_sense():
    with pytest.raises(ValueError):
        sla.Calendar(start=dt.time(17), end=dt.time(8))
    with pytest.raises(ValueError):
        sla.Calendar(weekdays=frozenset())
    with pytest.raises(ValueError):
        sla.add_working(at(2, 9), -1, CAL)
