"""Parsing schedule expressions: `cron:<5 fields>`, `every:<duration>` and `at:<ISO time>`.

One parser serves the admin, the API, the YAML importer and the beat sync, so a bad expression gets one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery.schedules import ParseException, crontab_parser

CRON_FIELDS = (
    ("minute", 60, 0),
    ("hour", 24, 0),
    ("day_of_month", 31, 1),
    ("month_of_year", 12, 1),
    ("day_of_week", 7, 0),
)
DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)?\s*$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleExpressionError(ValueError):
    """A schedule expression that cannot be used; the message says what is wrong in operator terms."""


@dataclass(frozen=True)
class CronExpression:
    """Five cron fields, validated."""

    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name, _, _ in CRON_FIELDS}


@dataclass(frozen=True)
class EveryExpression:
    """A fixed interval."""

    seconds: int


@dataclass(frozen=True)
class AtExpression:
    """One moment; a one-shot schedule disables itself after firing."""

    when: datetime


ScheduleExpression = CronExpression | EveryExpression | AtExpression


def parse_duration(text: str) -> int:
    """'30s', '5m', '2h', '1d' or a bare number of seconds → seconds."""
    match = DURATION.match(text)
    if not match:
        raise ScheduleExpressionError(f"bad duration {text!r} (use e.g. 30s, 5m, 2h, 1d)")
    amount = int(match.group(1))
    unit = (match.group(2) or "s")[0].lower()
    seconds = amount * UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ScheduleExpressionError(f"duration {text!r} must be more than zero")
    return seconds


def _validate_cron_field(name: str, value: str, max_value: int, min_value: int) -> None:
    lowered = value.lower()
    for index, month in enumerate(MONTH_NAMES, start=1):
        if name == "month_of_year":
            lowered = lowered.replace(month, str(index))
    for index, day in enumerate(DAY_NAMES):
        if name == "day_of_week":
            lowered = lowered.replace(day, str(index))
    try:
        values = crontab_parser(max_value, min_value).parse(lowered)
    except (ParseException, ValueError) as exc:
        raise ScheduleExpressionError(f"bad cron {name.replace('_', ' ')} field {value!r}: {exc}") from exc
    if not values:
        raise ScheduleExpressionError(f"bad cron {name.replace('_', ' ')} field {value!r}: selects nothing")


def parse_cron(text: str) -> CronExpression:
    """Five whitespace-separated fields, each checked against its range."""
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleExpressionError(
            f"cron needs 5 fields (minute hour day-of-month month day-of-week), got {len(parts)} in {text!r}"
        )
    for (name, max_value, min_value), part in zip(CRON_FIELDS, parts, strict=True):
        _validate_cron_field(name, part, max_value, min_value)
    return CronExpression(*parts)


def parse_at(text: str, timezone: str = "UTC") -> AtExpression:
    """An ISO 8601 time; a naive one is read in the schedule's time zone."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ScheduleExpressionError(f"bad at: time {text!r} (use ISO 8601, e.g. 2026-12-01T09:00)") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone(timezone))
    return AtExpression(when)


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleExpressionError(f"unknown time zone {name!r}") from exc


def parse_expression(text: str, timezone: str = "UTC") -> ScheduleExpression:
    """Parse `cron:…`, `every:…` or `at:…` into a typed expression."""
    if not isinstance(text, str) or ":" not in text:
        raise ScheduleExpressionError(f"bad schedule {text!r}: use cron:<5 fields>, every:<duration> or at:<ISO time>")
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind == "cron":
        return parse_cron(rest)
    if kind == "every":
        return EveryExpression(parse_duration(rest))
    if kind == "at":
        return parse_at(rest, timezone)
    raise ScheduleExpressionError(f"bad schedule {text!r}: unknown kind {kind!r} (use cron:, every: or at:)")


def format_every(seconds: int) -> str:
    """The shortest exact duration text for a number of seconds."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def next_after(expression: EveryExpression, last: datetime) -> datetime:
    """The next due time of an interval schedule after `last`."""
    return last + timedelta(seconds=expression.seconds)
