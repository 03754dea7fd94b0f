"""SLA clock arithmetic: pure functions on a working calendar (no database).

A `Calendar` has working hours (same each working day), working weekdays (Python numbers,
Monday = 0; Algeria works Sunday–Thursday) and holidays (dates). Times are aware datetimes;
the calendar's hours are read in its time zone.

- `add_working(start, seconds, cal)`: the instant when `seconds` of working time have passed
  since `start` (a start outside working hours begins at the next opening).
- `working_between(start, end, cal)`: working seconds in [start, end) (0 if end ≤ start).

Pauses (ticket waiting for the customer) are handled by the service: on pause the remaining
working time of each clock is kept; on resume the dues are recomputed from now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

ALGERIA_WEEK = (6, 0, 1, 2, 3)  # Sunday … Thursday
RISK_SHARE = 0.8  # "at risk" once 80 % of a clock's working time is used


@dataclass(frozen=True)
class Calendar:
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(16, 30)
    weekdays: frozenset[int] = frozenset(ALGERIA_WEEK)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    tz: dt.tzinfo = ZoneInfo("Africa/Algiers")

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("end of day must follow its start")
        if not self.weekdays:
            raise ValueError("at least one working day")

    @property
    def day_seconds(self) -> int:
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).seconds

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def opening(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.start, tzinfo=self.tz)

    def closing(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.end, tzinfo=self.tz)


@lru_cache(maxsize=16)
def algerian_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("DZ", years=range(first_year, last_year + 1)).keys())


def _next_working_day(day: dt.date, cal: Calendar) -> dt.date:
    for _ in range(3660):
        if cal.is_working_day(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError("no working day within ten years")


def add_working(start: dt.datetime, seconds: float, cal: Calendar) -> dt.datetime:
    if seconds < 0:
        raise ValueError("seconds must be positive")
    local = start.astimezone(cal.tz)
    day = local.date()
    cursor = local
    remaining = float(seconds)
    while True:
        day = _next_working_day(day, cal)
        opening, closing = cal.opening(day), cal.closing(day)
        if cursor < opening:
            cursor = opening
        if cursor >= closing:
            day += dt.timedelta(days=1)
            continue
        available = (closing - cursor).total_seconds()
        if remaining <= available:
            return (cursor + dt.timedelta(seconds=remaining)).astimezone(start.tzinfo or cal.tz)
        remaining -= available
        day += dt.timedelta(days=1)
        cursor = cal.opening(day) if cal.is_working_day(day) else cursor


def working_between(start: dt.datetime, end: dt.datetime, cal: Calendar) -> int:
    if end <= start:
        return 0
    a, b = start.astimezone(cal.tz), end.astimezone(cal.tz)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            lo = max(a, cal.opening(day))
            hi = min(b, cal.closing(day))
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


@dataclass(frozen=True)
class Clock:
    due: dt.datetime
    risk_at: dt.datetime


def clock_from(start: dt.datetime, seconds: float, cal: Calendar) -> Clock:
    """A clock of `seconds` working time from `start`, with its at-risk instant."""
    return Clock(due=add_working(start, seconds, cal), risk_at=add_working(start, seconds * RISK_SHARE, cal))


def remaining(now: dt.datetime, due: dt.datetime, cal: Calendar) -> int:
    """Working seconds left before `due` (0 when passed): kept while a clock is paused."""
    return working_between(now, due, cal)
