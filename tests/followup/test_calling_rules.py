"""The follow-up desk's rules as plain Python: no Flask, no database, no broker."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.followup.domain.calling import (
    CallingHours,
    CallRefused,
    CallRules,
    after_call,
    first_due,
)
from services.followup.domain.statuses import UNANSWERED, Outcome, TaskStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = [ZoneInfo(z) for z in ("Asia/Shanghai", "Asia/Urumqi", "America/New_York",
                                "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham")]
RULES = CallRules()
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC))
zones = st.sampled_from(ZONES)
hours = st.tuples(st.integers(6, 11), st.integers(17, 22)).map(
    lambda h: CallingHours(time(h[0]), time(h[1])))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@given(moment=moments, zone=zones, calling=hours)
def test_the_next_time_is_the_earliest_moment_inside_calling_hours(moment, zone,
                                                                    calling) -> None:
    """In every zone, with or without daylight saving: never before the moment asked,
    always inside calling hours, and nothing inside calling hours is skipped."""
    due = calling.next_time(moment, zone)
    assert due >= moment
    assert calling.contains(due, zone)
    if due > moment:
        assert not calling.contains(moment, zone)
        # every whole minute between the moment and the answer is outside calling hours
        probe = moment
        while probe < due - timedelta(minutes=1):
            probe += timedelta(minutes=30)
            assert probe >= due or not calling.contains(probe, zone)


@given(now=moments, zone=zones, unanswered=st.integers(0, 1),
       outcome=st.sampled_from(sorted(UNANSWERED)))
def test_an_unanswered_call_waits_the_spacing_and_stays_in_calling_hours(
        now, zone, unanswered, outcome) -> None:
    after = after_call(RULES, zone, now, unanswered, outcome)
    assert after.status == TaskStatus.OPEN and after.unanswered == unanswered + 1
    assert after.due_at is not None
    assert after.due_at >= now + RULES.spacing
    assert RULES.hours.contains(after.due_at, zone)


@given(outcome=st.sampled_from(sorted(UNANSWERED)))
def test_the_third_unanswered_call_closes_the_task_as_unreached(outcome) -> None:
    now = at(24, 10)
    after = after_call(RULES, SHANGHAI, now, 2, outcome)
    assert (after.status, after.unanswered, after.due_at) == (TaskStatus.UNREACHED, 3, None)


def test_a_late_call_moves_the_next_to_the_morning() -> None:
    after = after_call(RULES, SHANGHAI, at(24, 18, 30), 0, Outcome.NO_ANSWER)
    assert after.due_at == at(25, 9)  # 20:30 is after hours: 09:00 the next day


def test_calling_hours_across_a_daylight_saving_change() -> None:
    """New York falls back on 2026-11-01: the next morning's 09:00 is 14:00 UTC, not 13:00."""
    york = ZoneInfo("America/New_York")
    evening = datetime(2026, 10, 31, 21, 0, tzinfo=york)
    assert RULES.hours.next_time(evening, york) == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    before = datetime(2026, 10, 30, 21, 0, tzinfo=york)
    assert RULES.hours.next_time(before, york) == datetime(2026, 10, 31, 13, 0, tzinfo=UTC)


def test_a_new_task_is_due_at_once_in_hours_and_at_opening_otherwise() -> None:
    assert first_due(RULES, SHANGHAI, at(24, 10)) == at(24, 10)
    assert first_due(RULES, SHANGHAI, at(24, 23)) == at(25, 9)
    assert first_due(RULES, SHANGHAI, at(24, 3)) == at(24, 9)


def test_an_answered_call_closes_or_keeps_by_what_was_said() -> None:
    now = at(24, 10)
    closes = {Outcome.WRONG_NUMBER: TaskStatus.WRONG_NUMBER, Outcome.BOOKED: TaskStatus.BOOKED,
              Outcome.DECLINED: TaskStatus.DECLINED, Outcome.DO_NOT_CALL: TaskStatus.DO_NOT_CALL}
    for outcome, status in closes.items():
        after = after_call(RULES, SHANGHAI, now, 1, outcome)
        assert (after.status, after.unanswered, after.due_at) == (status, 1, None)
    later = after_call(RULES, SHANGHAI, now, 1, Outcome.CALL_BACK, at(24, 21))
    assert (later.status, later.unanswered, later.due_at) == (TaskStatus.OPEN, 1, at(25, 9))


def test_a_call_back_needs_a_time_to_come() -> None:
    with pytest.raises(CallRefused) as missing:
        after_call(RULES, SHANGHAI, at(24, 10), 0, Outcome.CALL_BACK)
    assert missing.value.code == "call_back_at_required"
    with pytest.raises(CallRefused) as past:
        after_call(RULES, SHANGHAI, at(24, 10), 0, Outcome.CALL_BACK, at(24, 9))
    assert past.value.code == "call_back_in_the_past"
