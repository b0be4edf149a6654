"""Slot generation as plain functions: the properties hold for any valid template."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.refusals import Invalid
from services.schedule.domain.slots import (
    Leave,
    Session,
    WeeklyRule,
    check_no_overlap,
    check_not_over,
    plan_day,
    slots_for_session,
    to_utc,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


LAST_MINUTE = 24 * 60 - 1  # a session ends by 23:59


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    """Any valid session: whole slots between a start and an end on one day."""
    slot_minutes = draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90, 120]))
    start_minute = draw(st.integers(0, LAST_MINUTE - slot_minutes))
    room = (LAST_MINUTE - start_minute) // slot_minutes
    end_minute = start_minute + slot_minutes * draw(st.integers(1, min(room, 40)))
    capacity = draw(st.integers(1, 20))
    return Session(time(start_minute // 60, start_minute % 60),
                   time(end_minute // 60, end_minute % 60), slot_minutes, capacity).check()


days_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@given(session=sessions(), day=days_2026)
def test_slots_tile_the_session_exactly_and_count_as_the_template_says(session, day) -> None:
    slots = slots_for_session(day, session, SHANGHAI)
    assert len(slots) == session.slot_count
    assert slots[0].start == to_utc(day, session.start, SHANGHAI)
    assert slots[-1].end == to_utc(day, session.end, SHANGHAI)
    for before, after in itertools.pairwise(slots):
        assert before.end == after.start, "contiguous and never overlapping"
    for slot in slots:
        assert slot.end - slot.start == timedelta(minutes=session.slot_minutes)
        assert slot.capacity == session.capacity


@settings(max_examples=300)
@given(session=sessions(), day=days_2026, zone=st.sampled_from([NEW_YORK, LONDON]))
def test_on_any_day_of_a_dst_zone_no_slot_is_lost_or_doubled(session, day, zone) -> None:
    slots = slots_for_session(day, session, zone)
    start, end = to_utc(day, session.start, zone), to_utc(day, session.end, zone)
    real_minutes = int((end - start).total_seconds() // 60)
    assert len(slots) == max(real_minutes, 0) // session.slot_minutes
    assert len({slot.start for slot in slots}) == len(slots), "no slot is made twice"
    for before, after in itertools.pairwise(slots):
        assert before.end == after.start, "no gap: no slot is lost"
    for slot in slots:
        assert start <= slot.start and slot.end <= end
        assert slot.end - slot.start == timedelta(minutes=session.slot_minutes)


def test_spring_forward_day_has_the_slots_of_its_real_two_hours() -> None:
    # 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT
    slots = slots_for_session(date(2026, 3, 8), Session(time(1), time(4), 30, 2), NEW_YORK)
    assert len(slots) == 4
    local = [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in slots]
    assert local == ["01:00", "01:30", "03:00", "03:30"]


def test_fall_back_day_has_the_slots_of_its_real_four_hours_once_each() -> None:
    # 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST, so 01:00-02:00 happens twice
    slots = slots_for_session(date(2026, 11, 1), Session(time(0), time(3), 30, 2), NEW_YORK)
    assert len(slots) == 8
    assert len({slot.start for slot in slots}) == 8
    assert slots[-1].end - slots[0].start == timedelta(hours=4)


def test_sessions_clear_of_the_change_hour_keep_their_template_count() -> None:
    for day in (date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25)):
        for zone in (NEW_YORK, LONDON):
            slots = slots_for_session(day, Session(time(8), time(11, 30), 30, 3), zone)
            assert len(slots) == 7
            assert slots[0].start.astimezone(zone).time() == time(8)


@pytest.mark.parametrize("session, field", [
    (Session(time(11), time(8), 30, 3), "end"),
    (Session(time(8), time(8), 30, 3), "end"),
    (Session(time(8), time(11), 30, 0), "capacity_per_slot"),
    (Session(time(8), time(11, 30), 20, 3), "slot_minutes"),
    (Session(time(8), time(11), 0, 3), "slot_minutes"),
    (Session(time(8), time(9), 300, 3), "slot_minutes"),
])
def test_impossible_sessions_are_refused_naming_the_field(session, field) -> None:
    with pytest.raises(Invalid) as refused:
        session.check()
    assert refused.value.field == field


def rule(weekday, start, end, valid_from=date(2026, 1, 1), valid_until=None, id=None):
    return WeeklyRule(weekday, Session(start, end, 30, 3), valid_from, valid_until, id)


def test_overlapping_sessions_of_one_expert_are_refused() -> None:
    morning = rule(1, time(8), time(11, 30), id=1)
    with pytest.raises(Invalid, match="Overlaps"):
        check_no_overlap(rule(1, time(11), time(12)), [morning])


@pytest.mark.parametrize("candidate", [
    rule(1, time(11, 30), time(12, 30)),                       # starts as the other ends
    rule(2, time(8), time(11, 30)),                            # another weekday
    rule(1, time(8), time(11, 30), valid_from=date(2026, 7, 1)),  # after the other ends
])
def test_sessions_that_never_meet_are_accepted(candidate) -> None:
    spring = rule(1, time(8), time(11, 30), valid_until=date(2026, 6, 30), id=1)
    check_no_overlap(candidate, [spring])


def test_a_template_does_not_overlap_itself_when_edited() -> None:
    morning = rule(1, time(8), time(11, 30), id=1)
    check_no_overlap(rule(1, time(8), time(12), id=1), [morning])


def test_plan_day_keeps_templates_that_apply_and_drops_leave() -> None:
    monday = date(2026, 11, 23)
    rules = [rule(1, time(8), time(11, 30)), rule(1, time(13, 30), time(16, 30)),
             rule(2, time(8), time(11, 30))]
    assert len(plan_day(monday, rules, SHANGHAI)) == 13
    assert plan_day(monday, rules, SHANGHAI, [Leave(monday)]) == []
    afternoon_off = plan_day(monday, rules, SHANGHAI, [Leave(monday, time(12), time(17))])
    assert len(afternoon_off) == 7
    assert all(slot.end <= to_utc(monday, time(11, 30), SHANGHAI) for slot in afternoon_off)
    assert plan_day(monday, rules, SHANGHAI, [Leave(monday + timedelta(days=7))]) != []


@given(session=sessions(), taken_start=st.integers(0, 23 * 60), taken_len=st.integers(1, 240))
def test_planned_slots_never_overlap_time_already_taken(session, taken_start, taken_len) -> None:
    day = date(2026, 11, 23)
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(minutes=taken_start)
    taken = [(start, start + timedelta(minutes=taken_len))]
    for slot in plan_day(day, [WeeklyRule(1, session, day)], SHANGHAI, taken=taken):
        assert not slot.overlaps(*taken[0])


def test_leave_needs_both_times_or_neither() -> None:
    with pytest.raises(Invalid):
        Leave(date(2026, 11, 23), time(8), None).check()
    with pytest.raises(Invalid):
        Leave(date(2026, 11, 23), time(9), time(8)).check()


def test_a_one_off_session_already_over_in_the_hospitals_zone_is_refused() -> None:
    day = date(2026, 12, 7)
    morning = Session(time(9), time(10), 30, 3)
    at_1704 = datetime(2026, 12, 7, 17, 4, tzinfo=SHANGHAI)
    with pytest.raises(Invalid) as refused:
        check_not_over(day, morning, SHANGHAI, at_1704)
    assert refused.value.field == "start" and refused.value.code == "session_over"
    check_not_over(day, Session(time(17), time(18), 30, 3), SHANGHAI, at_1704)  # under way
    # the same instant is 04:04 in New York: its 09:00–10:00 is still ahead
    check_not_over(day, morning, NEW_YORK, at_1704)
