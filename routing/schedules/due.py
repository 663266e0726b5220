"""Due times: the latest one at or before a moment, and the next one after it.

Every process computes the same due times for the same expression (no "last run" input), which is what lets the
unique (schedule, due_at) key of ScheduleRun stop a second process from firing a due time again. Cron fields are
expanded with Celery's own parser, so the embedded loop and celery beat agree on what an expression means
(day-of-week 0–6 with Sunday = 0; day-of-month and day-of-week must both match, as in celery beat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.schedules import crontab_parser

from routing.schedules.expressions import (
    CRON_FIELDS,
    DAY_NAMES,
    MONTH_NAMES,
    AtExpression,
    CronExpression,
    EveryExpression,
    ScheduleExpression,
    zone,
)

# Cron searches stop after this many days: long enough for "Feb 29 on a Monday" style expressions.
CRON_SEARCH_DAYS = 366 * 8
# Interval grids start here, in the schedule's zone, so every:1d fires at local midnight.
INTERVAL_ANCHOR = datetime(2000, 1, 1)


@dataclass(frozen=True)
class CronSets:
    """The five cron fields expanded to the values they allow."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def day_matches(self, day: date) -> bool:
        cron_weekday = (day.weekday() + 1) % 7  # Python: Monday = 0; cron: Sunday = 0
        return day.month in self.months and day.day in self.days_of_month and cron_weekday in self.days_of_week


def _expand_field(name: str, value: str, max_value: int, min_value: int) -> set[int]:
    lowered = value.lower()
    if name == "month_of_year":
        for index, month in enumerate(MONTH_NAMES, start=1):
            lowered = lowered.replace(month, str(index))
    if name == "day_of_week":
        for index, day in enumerate(DAY_NAMES):
            lowered = lowered.replace(day, str(index))
    return set(crontab_parser(max_value, min_value).parse(lowered))


def expand_cron(expr: CronExpression) -> CronSets:
    """Each field of a (validated) cron expression as the set of values it selects."""
    values = {name: _expand_field(name, getattr(expr, name), size, start) for name, size, start in CRON_FIELDS}
    return CronSets(
        minutes=tuple(sorted(values["minute"])),
        hours=tuple(sorted(values["hour"])),
        days_of_month=frozenset(values["day_of_month"]),
        months=frozenset(values["month_of_year"]),
        days_of_week=frozenset(values["day_of_week"]),
    )


def _cron_latest(sets: CronSets, tz: ZoneInfo, now: datetime) -> datetime | None:
    local_now = now.astimezone(tz)
    for offset in range(CRON_SEARCH_DAYS):
        day = local_now.date() - timedelta(days=offset)
        if not sets.day_matches(day):
            continue
        for hour in reversed(sets.hours):
            for minute in reversed(sets.minutes):
                candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
                if candidate <= now:
                    return candidate
    return None


def _cron_next(sets: CronSets, tz: ZoneInfo, after: datetime) -> datetime | None:
    local_after = after.astimezone(tz)
    for offset in range(CRON_SEARCH_DAYS):
        day = local_after.date() + timedelta(days=offset)
        if not sets.day_matches(day):
            continue
        for hour in sets.hours:
            for minute in sets.minutes:
                candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
                if candidate > after:
                    return candidate
    return None


def _interval_anchor(tz: ZoneInfo) -> datetime:
    # In UTC, so grid arithmetic is absolute time (aware arithmetic in a local zone is wall-clock arithmetic).
    return INTERVAL_ANCHOR.replace(tzinfo=tz).astimezone(UTC)


def latest_due(expr: ScheduleExpression, timezone: str, now: datetime) -> datetime | None:
    """The most recent due time at or before `now` (aware, UTC), or None when there is none."""
    tz = zone(timezone)
    if isinstance(expr, CronExpression):
        found = _cron_latest(expand_cron(expr), tz, now)
    elif isinstance(expr, EveryExpression):
        anchor = _interval_anchor(tz)
        interval = timedelta(seconds=expr.seconds)
        found = anchor + ((now - anchor) // interval) * interval
    elif isinstance(expr, AtExpression):
        found = expr.when if expr.when <= now else None
    else:
        raise TypeError(f"unknown schedule expression {expr!r}")
    return found.astimezone(UTC) if found else None


def next_due(expr: ScheduleExpression, timezone: str, after: datetime) -> datetime | None:
    """The first due time strictly after `after` (aware, UTC), or None when there is none."""
    tz = zone(timezone)
    if isinstance(expr, CronExpression):
        found = _cron_next(expand_cron(expr), tz, after)
    elif isinstance(expr, EveryExpression):
        anchor = _interval_anchor(tz)
        interval = timedelta(seconds=expr.seconds)
        found = anchor + ((after - anchor) // interval + 1) * interval
    elif isinstance(expr, AtExpression):
        found = expr.when if expr.when > after else None
    else:
        raise TypeError(f"unknown schedule expression {expr!r}")
    return found.astimezone(UTC) if found else None
