"""Edges of the reminder's timing that mutation testing found unasserted (make mutate):
a quiet window inside one day, each end of a window, the evening's fall-backs, and each
step of ``reminder_time`` with the gap to the booking at its exact edge."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notify.domain.timing import REMINDER_GAP, QuietHours, reminder_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours()  # 21:00–08:00


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """December 2026, Shanghai time, as UTC."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize("local, inside", [
    (time(20, 59, 59), False), (time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
    (time(7, 59, 59), True), (time(8, 0), False), (time(12, 0), False)])
def test_the_night_window_holds_its_start_and_not_its_end(local: time, inside: bool) -> None:
    assert NIGHT.contains(local) is inside


@pytest.mark.parametrize("local, inside", [
    (time(0, 59), False), (time(1, 0), True), (time(4, 59), True), (time(5, 0), False),
    (time(23, 0), False)])
def test_a_window_inside_one_day_is_only_that_stretch(local: time, inside: bool) -> None:
    assert QuietHours(time(1, 0), time(5, 0)).contains(local) is inside


def test_next_allowed_is_the_moment_itself_outside_and_the_window_end_inside() -> None:
    assert NIGHT.next_allowed(at(10, 12), SHANGHAI) == at(10, 12)
    assert NIGHT.next_allowed(at(10, 22), SHANGHAI) == at(11, 8)  # evening: next morning
    assert NIGHT.next_allowed(at(10, 6), SHANGHAI) == at(10, 8)   # early: this morning


def test_the_evening_is_an_hour_before_the_night_or_the_day_s_first_allowed_hour() -> None:
    assert NIGHT.evening(at(10, 12).date(), SHANGHAI) == at(10, 20)
    # An hour before a 00:30 start is the day before: the day's allowed hours start at 08:00.
    assert QuietHours(time(0, 30), time(8, 0)).evening(at(10, 12).date(), SHANGHAI) == at(10, 8)
    # An hour before 21:00 is itself quiet when the quiet hours end at 20:30.
    assert QuietHours(time(21, 0), time(20, 30)).evening(at(10, 12).date(),
                                                          SHANGHAI) == at(10, 20, 30)


def test_the_reminder_goes_the_day_before_at_the_hour() -> None:
    visit, booked = at(12, 9), at(5, 9)
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT, booked) == at(11, 10)


def test_an_hour_late_in_the_night_moves_to_the_evening_and_an_early_one_to_the_morning() -> None:
    visit, booked = at(12, 9), at(5, 9)
    assert reminder_time(visit, SHANGHAI, time(22, 0), NIGHT, booked) == at(11, 20)
    assert reminder_time(visit, SHANGHAI, time(7, 0), NIGHT, booked) == at(11, 8)


def test_the_gap_to_the_booking_holds_at_its_edge_then_the_evening_then_none() -> None:
    visit, planned = at(12, 9), at(11, 10)
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT, planned - REMINDER_GAP) == planned
    later = planned - REMINDER_GAP + timedelta(seconds=1)
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT, later) == at(11, 20)
    evening = at(11, 20)
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT,
                         evening - REMINDER_GAP) == evening
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT,
                         evening - REMINDER_GAP + timedelta(seconds=1)) is None


def test_a_reminder_never_at_or_after_the_visit() -> None:
    # A visit at 10:00 booked long before: the reminder is the day before, never the visit's
    # own hour; a "visit" whose start is the planned moment itself gets none then.
    planned = at(11, 10)
    visit = planned + timedelta(days=1)
    assert reminder_time(visit, SHANGHAI, time(10, 0), NIGHT, at(1, 9)) == planned
    assert reminder_time(at(12, 0, 30), SHANGHAI, time(10, 0), NIGHT, at(1, 9)) == planned


def test_a_quiet_window_inside_the_day_moves_a_reminder_hour_out_of_it() -> None:
    """With quiet hours 09:00–11:00, a 10:00 reminder goes at 11:00 the day before."""
    quiet = QuietHours(time(9, 0), time(11, 0))
    assert reminder_time(at(12, 15), SHANGHAI, time(10, 0), quiet, at(1, 9)) == at(11, 11)


def test_times_come_back_in_utc_itself_not_the_machine_s_zone() -> None:
    """The sender compares them with UTC clocks; a machine set to another zone must not
    shift them (``astimezone()`` without an argument would take the machine's)."""
    assert NIGHT.next_allowed(at(10, 22), SHANGHAI).tzinfo is UTC
    assert NIGHT.evening(at(10, 12).date(), SHANGHAI).tzinfo is UTC
    found = reminder_time(at(12, 9), SHANGHAI, time(10, 0), NIGHT, at(5, 9))
    assert found is not None and found.tzinfo is UTC


def test_quiet_hours_that_start_when_they_end_are_no_quiet_hours() -> None:
    empty = QuietHours(time(9, 0), time(9, 0))
    assert not any(empty.contains(time(h, m)) for h in range(24) for m in (0, 30))
