"""Due-time computation: cron, every: and at:, in time zones, across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime

from routing.schedules.due import latest_due, next_due
from routing.schedules.expressions import parse_expression


def _due(expression: str, tz: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    parsed = parse_expression(expression, tz)
    return latest_due(parsed, tz, now), next_due(parsed, tz, now)


def test_a_weekday_cron_in_paris_follows_the_spring_dst_change() -> None:
    # Sunday 29 March 2026, 01:30 UTC: Paris moved to UTC+2 at 01:00 UTC that night.
    latest, upcoming = _due("cron:0 9 * * mon-fri", "Europe/Paris", datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert latest == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # Friday 09:00 CET
    assert upcoming == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST


def test_a_cron_due_exactly_now_is_the_latest_due_time() -> None:
    now = datetime(2026, 5, 1, 12, 15, tzinfo=UTC)
    latest, upcoming = _due("cron:*/15 * * * *", "UTC", now)
    assert latest == now
    assert upcoming == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_a_cron_with_named_months_and_day_of_month_finds_its_day() -> None:
    latest, upcoming = _due("cron:30 6 1 jan,jul *", "Asia/Tokyo", datetime(2026, 5, 1, tzinfo=UTC))
    assert latest == datetime(2025, 12, 31, 21, 30, tzinfo=UTC)  # 1 January 06:30 in Tokyo
    assert upcoming == datetime(2026, 6, 30, 21, 30, tzinfo=UTC)


def test_every_sits_on_a_grid_so_two_processes_agree_on_due_times() -> None:
    now = datetime(2026, 5, 1, 12, 0, 47, 500000, tzinfo=UTC)
    latest, upcoming = _due("every:30s", "UTC", now)
    assert latest == datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC)
    assert upcoming == datetime(2026, 5, 1, 12, 1, 0, tzinfo=UTC)


def test_every_day_in_a_zone_fires_at_local_midnight() -> None:
    latest, upcoming = _due("every:1d", "America/New_York", datetime(2026, 1, 10, 12, tzinfo=UTC))
    assert latest == datetime(2026, 1, 10, 5, 0, tzinfo=UTC)
    assert upcoming == datetime(2026, 1, 11, 5, 0, tzinfo=UTC)


def test_at_is_read_in_the_schedule_zone_and_is_due_only_once_passed() -> None:
    before = datetime(2026, 12, 24, 7, 59, tzinfo=UTC)
    after = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 24, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (UTC+1 in winter)
    assert _due("at:2026-12-24T09:00", "Europe/Berlin", before) == (None, moment)
    assert _due("at:2026-12-24T09:00", "Europe/Berlin", after) == (moment, None)


def test_a_cron_that_can_never_match_has_no_due_time() -> None:
    assert _due("cron:0 0 31 2 *", "UTC", datetime(2026, 5, 1, tzinfo=UTC)) == (None, None)
