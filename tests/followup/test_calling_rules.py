"""The follow-up desk's rules as plain Python: no Flask, no database, no broker."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.refusals import Invalid, Kind
from services.followup.domain.calling import (
    CallingHours,
    CallRules,
    after_call,
    first_due,
)
from services.followup.domain.statuses import CLOSES, UNANSWERED, Outcome, TaskStatus

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
    with pytest.raises(Invalid) as missing:
        after_call(RULES, SHANGHAI, at(24, 10), 0, Outcome.CALL_BACK)
    assert missing.value.code == "call_back_at_required"
    with pytest.raises(Invalid) as past:
        after_call(RULES, SHANGHAI, at(24, 10), 0, Outcome.CALL_BACK, at(24, 9))
    assert past.value.code == "call_back_in_the_past"


# --- the edges of calling hours and of a call-back (issue 29 item 8) ---------------------------

def test_calling_hours_run_from_0900_inclusive_to_2000_exclusive() -> None:
    """Calling hours 09:00–20:00: 09:00:00 is inside, 20:00:00 is not (a call may start
    at 19:59:59, never at 20:00), and 08:59:59 waits for 09:00."""
    second = timedelta(seconds=1)
    hours = RULES.hours
    assert hours.contains(at(24, 9), SHANGHAI)
    assert not hours.contains(at(24, 9) - second, SHANGHAI)
    assert hours.contains(at(24, 20) - second, SHANGHAI)
    assert not hours.contains(at(24, 20), SHANGHAI)
    assert hours.next_time(at(24, 9), SHANGHAI) == at(24, 9)
    assert hours.next_time(at(24, 9) - second, SHANGHAI) == at(24, 9)
    assert hours.next_time(at(24, 20) - second, SHANGHAI) == at(24, 20) - second
    assert hours.next_time(at(24, 20), SHANGHAI) == at(25, 9), "20:00:00 is after hours"
    assert hours.next_time(at(24, 23, 59), SHANGHAI) == at(25, 9)
    assert first_due(RULES, SHANGHAI, at(24, 20)) == at(25, 9)


def test_an_unanswered_call_whose_spacing_ends_at_2000_moves_to_the_morning() -> None:
    after = after_call(RULES, SHANGHAI, at(24, 18), 0, Outcome.BUSY)
    assert after.due_at == at(25, 9)
    just_in = after_call(RULES, SHANGHAI, at(24, 17, 59), 0, Outcome.BUSY)
    assert just_in.due_at == at(24, 19, 59)


def test_a_call_back_for_now_is_refused_and_one_a_second_later_kept() -> None:
    now = at(24, 10)
    with pytest.raises(Invalid) as refused:
        after_call(RULES, SHANGHAI, now, 0, Outcome.CALL_BACK, now)
    assert (refused.value.code, refused.value.kind) == ("call_back_in_the_past", Kind.INVALID)
    soon = now + timedelta(seconds=1)
    after = after_call(RULES, SHANGHAI, now, 0, Outcome.CALL_BACK, soon)
    assert (after.status, after.unanswered, after.due_at) == (TaskStatus.OPEN, 0, soon)
    with pytest.raises(Invalid) as missing:
        after_call(RULES, SHANGHAI, now, 0, Outcome.CALL_BACK)
    assert (missing.value.code, missing.value.kind) == ("call_back_at_required", Kind.INVALID)
    evening = after_call(RULES, SHANGHAI, now, 0, Outcome.CALL_BACK, at(24, 20))
    assert evening.due_at == at(25, 9), "a call-back asked for 20:00 waits for the morning"


def test_which_outcomes_count_as_unanswered_and_which_close() -> None:
    """Written out from SPEC §9, not read from the code: no_answer, busy and switched_off
    count towards the cap; wrong_number, booked, declined and do_not_call close the task;
    call_back keeps it open with no attempt counted; dropped (SPEC §15) allows a redial;
    a satisfaction call (SPEC §15) closes answered or refused."""
    assert {str(o) for o in UNANSWERED} == {"no_answer", "busy", "switched_off"}
    assert {str(o): str(s) for o, s in CLOSES.items()} == {
        "wrong_number": "wrong_number", "booked": "booked", "declined": "declined",
        "do_not_call": "do_not_call", "answered": "answered", "refused": "refused"}
    assert {str(o) for o in Outcome} == {str(o) for o in UNANSWERED} | {
        str(o) for o in CLOSES} | {"call_back", "dropped"}


def test_a_refused_call_back_is_a_422_and_changes_nothing(app, feed, li, clock) -> None:
    from tests.support.followup import Person

    feed.no_show(Person())
    [task] = li.tasks()
    assert li.claim(task["id"]).status_code == 200
    now = clock.now()
    for body, code in [({}, "call_back_at_required"),
                       ({"call_back_at": now.isoformat()}, "call_back_in_the_past"),
                       ({"call_back_at": (now - timedelta(minutes=5)).isoformat()},
                        "call_back_in_the_past")]:
        refused = li.call(task["id"], "call_back", **body)
        assert (refused.status_code, refused.json["code"]) == (422, code), body
    [same] = li.tasks()
    assert (same["status"], same["attempts"], same["due_at"]) == \
        ("open", 0, task["due_at"]), "a refused call logged nothing"
    evening = li.call(task["id"], "call_back", call_back_at="2026-11-24T20:00:00+08:00")
    assert evening.status_code == 201, evening.json
    assert datetime.fromisoformat(evening.json["due_at"]) == at(25, 9)
