"""The schedule's time arithmetic at its edges, as plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.refusals import Invalid
from services.schedule.domain.slots import (
    MAX_CAPACITY,
    MAX_SLOT_MINUTES,
    Leave,
    PlannedSlot,
    Session,
    WeeklyRule,
    check_no_overlap,
    check_not_over,
    day_bounds,
    plan_day,
    to_utc,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
YORK = ZoneInfo("America/New_York")


def test_a_day_runs_from_local_midnight_to_the_next_in_utc() -> None:
    assert day_bounds(date(2026, 11, 24), SHANGHAI) == (
        datetime(2026, 11, 23, 16, 0, tzinfo=UTC), datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    # New York falls back on 1 November 2026: that day has 25 hours
    assert day_bounds(date(2026, 11, 1), YORK) == (
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC), datetime(2026, 11, 2, 5, 0, tzinfo=UTC))


def test_a_session_is_over_from_the_moment_it_ends() -> None:
    session = Session(time(8), time(11, 30), 15, 1)
    day = date(2026, 11, 24)
    ends = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai
    check_not_over(day, session, SHANGHAI, ends - timedelta(seconds=1))
    with pytest.raises(Invalid) as over:
        check_not_over(day, session, SHANGHAI, ends)
    assert (over.value.field, over.value.code) == ("start", "session_over")
    assert "2026-11-24 08:00-11:30" in over.value.message, "the message says which session"


def test_slots_that_only_touch_do_not_overlap() -> None:
    start = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    slot = PlannedSlot(start, start + timedelta(minutes=15), 1)
    assert not slot.overlaps(start + timedelta(minutes=15), start + timedelta(minutes=30))
    assert not slot.overlaps(start - timedelta(minutes=15), start)
    assert slot.overlaps(start + timedelta(minutes=14), start + timedelta(minutes=30))
    assert slot.overlaps(start - timedelta(minutes=15), start + timedelta(minutes=1))


@dataclass(frozen=True)
class Booked:
    start_at: datetime
    end_at: datetime


def test_a_leave_must_end_after_it_starts() -> None:
    with pytest.raises(Invalid) as refused:
        Leave(date(2026, 11, 24), time(9), time(9)).check()
    assert refused.value.field == "end"
    assert Leave(date(2026, 11, 24), time(9), time(9, 1)).check()


def test_a_leave_without_both_times_is_the_whole_local_day() -> None:
    day = date(2026, 11, 24)
    assert Leave(day).window(SHANGHAI) == day_bounds(day, SHANGHAI)
    assert Leave(day, time(9), None).window(SHANGHAI) == day_bounds(day, SHANGHAI)
    assert Leave(day, None, time(9)).window(SHANGHAI) == day_bounds(day, SHANGHAI)


def test_a_leave_cancels_the_slots_inside_it_and_only_lists_those_it_overlaps() -> None:
    """Away 09:00–10:00 (01:00–02:00Z): a slot starting at 09:00 or ending at 10:00 is
    inside; one ending at 09:00 or starting at 10:00 only touches it and is neither."""
    day = date(2026, 11, 24)
    leave = Leave(day, time(9), time(10))
    z = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    q = timedelta(minutes=15)
    first, last = Booked(z, z + q), Booked(z + 3 * q, z + 4 * q)
    before, after = Booked(z - q, z), Booked(z + 4 * q, z + 5 * q)
    across = Booked(z - q, z + q)
    inside, partly = leave.split([before, first, last, after, across], SHANGHAI)
    assert inside == [first, last]
    assert partly == [across]


def test_a_session_overlaps_a_pair_of_times_too() -> None:
    morning = Session(time(8), time(11, 30), 15, 1)
    assert morning.overlaps((time(11), time(12)))
    assert not morning.overlaps((time(11, 30), time(12))), "touching is no overlap"


def test_weekly_rules_meeting_on_one_day_share_it() -> None:
    """One rule ending the day the other begins: both apply that day, whichever is asked."""
    session = Session(time(8), time(11, 30), 15, 1)
    ending = WeeklyRule(1, session, date(2026, 1, 5), date(2026, 3, 2))
    beginning = WeeklyRule(1, session, date(2026, 3, 2))
    assert ending.shares_days_with(beginning) and beginning.shares_days_with(ending)
    later = WeeklyRule(1, session, date(2026, 3, 3))
    assert not ending.shares_days_with(later) and not later.shares_days_with(ending)


@pytest.mark.parametrize("start, end, said", [
    (time(9), None, "Give both start and end, or neither for the whole day."),
    (time(10), time(9), "Leave must end after it starts."),
])
def test_a_wrong_leave_is_refused_on_its_end_saying_why(start, end, said) -> None:
    with pytest.raises(Invalid) as refused:
        Leave(date(2026, 11, 24), start, end).check()
    assert (refused.value.field, refused.value.message) == ("end", said)


@pytest.mark.parametrize("wrong, field, said", [
    ({"name": "  "}, "name", "The hospital needs a name."),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone 'Mars/Olympus'."),
    ({"language": "fr"}, "language", "Language must be one of zh-CN, en."),
])
def test_wrong_hospital_facts_are_refused_on_their_field_saying_why(wrong, field, said) -> None:
    from services.common.hospital import Hospital
    from services.schedule.domain.hospital import check_hospital

    facts = {"name": "协和", "address": "a", "directions": "d", "phone": "1",
             "time_zone": "Asia/Shanghai", **wrong}
    with pytest.raises(Invalid) as refused:
        check_hospital(Hospital(**facts))
    assert (refused.value.field, refused.value.message) == (field, said)


def test_a_weekday_past_sunday_is_refused() -> None:
    session = Session(time(9), time(12), 30, 3)
    with pytest.raises(Invalid) as refused:
        WeeklyRule(8, session, date(2026, 1, 5)).check()
    assert (refused.value.field, refused.value.message) == (
        "weekday", "Weekday is 1 (Monday) to 7 (Sunday).")
    assert WeeklyRule(7, session, date(2026, 1, 5)).check()


def test_a_rule_for_one_day_only_ends_the_day_it_starts() -> None:
    session = Session(time(9), time(12), 30, 3)
    assert WeeklyRule(1, session, date(2026, 1, 5), date(2026, 1, 5)).check()
    with pytest.raises(Invalid) as refused:
        WeeklyRule(1, session, date(2026, 1, 5), date(2026, 1, 4)).check()
    assert refused.value.field == "valid_until"


def test_a_rule_overlapping_another_is_refused_on_its_start_even_after_its_own_row() -> None:
    """The rule's own stored row is skipped, and the rows after it are still checked."""
    rule = WeeklyRule(1, Session(time(9), time(12), 30, 3), date(2026, 1, 5), id=7)
    other = WeeklyRule(1, Session(time(11), time(13), 30, 3), date(2026, 1, 5), id=8)
    with pytest.raises(Invalid) as refused:
        check_no_overlap(rule, [rule, other])
    assert refused.value.field == "start"
    assert refused.value.message == "Overlaps the expert's session 11:00–13:00 on the same weekday."
    check_no_overlap(rule, [rule])


MONDAY = date(2026, 11, 23)


def test_a_leave_exactly_covering_slots_removes_them_and_no_other() -> None:
    """08:00–09:00 in 30-minute slots; leave from 08:00 to 08:30 (hospital time) takes the
    first slot, which starts as the leave starts and ends as it ends."""
    rule = WeeklyRule(1, Session(time(8), time(9), 30, 1), MONDAY)
    leave = Leave(day=MONDAY, start=time(8), end=time(8, 30))
    planned = plan_day(MONDAY, [rule], SHANGHAI, [leave])
    assert [slot.start for slot in planned] == [datetime(2026, 11, 23, 0, 30, tzinfo=UTC)]
    later = Leave(day=MONDAY, start=time(8, 30), end=time(9))
    assert [slot.start for slot in plan_day(MONDAY, [rule], SHANGHAI, [later])] == [
        datetime(2026, 11, 23, 0, 0, tzinfo=UTC)]


def test_a_weekly_rule_applies_on_its_last_day_too() -> None:
    rule = WeeklyRule(1, Session(time(8), time(9), 30, 1), MONDAY, valid_until=MONDAY)
    assert rule.applies_on(MONDAY)
    assert not rule.applies_on(MONDAY + timedelta(days=7))
    assert not WeeklyRule(1, rule.session, MONDAY + timedelta(days=7)).applies_on(MONDAY)


def test_a_rule_ending_before_it_starts_is_refused_on_its_end_saying_why() -> None:
    with pytest.raises(Invalid) as refused:
        WeeklyRule(1, Session(time(8), time(9), 30, 1), MONDAY,
                   valid_until=MONDAY - timedelta(days=1)).check()
    assert refused.value.field == "valid_until"
    assert "before valid_from" in refused.value.message


def test_a_wall_clock_time_becomes_utc_whatever_the_machines_own_zone(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    clock.tzset()
    try:
        instant = to_utc(MONDAY, time(8), SHANGHAI)
    finally:
        monkeypatch.undo()
        clock.tzset()
    assert instant == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert instant.utcoffset() == timedelta(0)


@pytest.mark.parametrize("session, field, said", [
    (Session(time(9), time(8), 30, 1), "end", "end after it starts"),
    (Session(time(8), time(9), 30, 0), "capacity_per_slot", "patients"),
    (Session(time(8), time(9), 25, 1), "slot_minutes", "do not fit"),
])
def test_a_wrong_session_is_refused_on_its_field_saying_why(session, field, said) -> None:
    with pytest.raises(Invalid) as refused:
        session.check()
    assert refused.value.field == field
    assert said in refused.value.message


def test_a_session_takes_the_longest_slot_and_the_most_patients_and_no_more() -> None:
    """The limits themselves are allowed: a 4-hour slot of 500 patients; one minute or one
    patient more is refused on its field, saying the limits."""
    Session(time(8), time(12), MAX_SLOT_MINUTES, MAX_CAPACITY).check()
    with pytest.raises(Invalid) as longer:
        Session(time(8), time(12, 1), MAX_SLOT_MINUTES + 1, 1).check()
    assert (longer.value.field, longer.value.message) == (
        "slot_minutes", "A slot lasts 5 to 240 minutes.")
    with pytest.raises(Invalid) as more:
        Session(time(8), time(12), MAX_SLOT_MINUTES, MAX_CAPACITY + 1).check()
    assert (more.value.field, more.value.message) == (
        "capacity_per_slot", "Each slot takes 1 to 500 patients.")
