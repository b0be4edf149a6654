"""The schedule's time arithmetic at its edges, as plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.schedule.domain.slots import (
    InvalidSchedule,
    PlannedSlot,
    Session,
    check_not_over,
    day_bounds,
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
    with pytest.raises(InvalidSchedule) as over:
        check_not_over(day, session, SHANGHAI, ends)
    assert (over.value.field, over.value.code) == ("start", "session_over")


def test_slots_that_only_touch_do_not_overlap() -> None:
    start = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    slot = PlannedSlot(start, start + timedelta(minutes=15), 1)
    assert not slot.overlaps(start + timedelta(minutes=15), start + timedelta(minutes=30))
    assert not slot.overlaps(start - timedelta(minutes=15), start)
    assert slot.overlaps(start + timedelta(minutes=14), start + timedelta(minutes=30))
    assert slot.overlaps(start - timedelta(minutes=15), start + timedelta(minutes=1))
