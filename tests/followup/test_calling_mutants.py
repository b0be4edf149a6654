"""The follow-up desk's calling hours as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.config import ConfigError
from services.followup.config import FollowupSettings
from services.followup.domain.calling import CallRules, call_seconds, first_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_next_opening_is_given_in_utc() -> None:
    """The docstring's promise: a moment outside calling hours moves to 09:00 hospital
    time, answered in UTC (01:00Z in Shanghai), whatever the machine's own zone is."""
    due = first_due(CallRules(), SHANGHAI, datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI))
    assert due == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert CallRules().hours.opens(due.date(), SHANGHAI).tzinfo is UTC


def test_a_call_ended_the_instant_it_started_lasted_no_seconds() -> None:
    started = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert call_seconds(started, started) == 0
    assert call_seconds(started, started + timedelta(seconds=61)) == 61
    assert call_seconds(started + timedelta(seconds=1), started) is None, "a clock moved back"


@pytest.mark.parametrize("start, end", [(time(20), time(9)), (time(9), time(9))])
def test_calling_hours_that_end_before_they_start_are_refused_at_start(start, end) -> None:
    """Such hours would leave every call never due (and next_time's "today or tomorrow"
    would differ at the start time only for them)."""
    with pytest.raises(ConfigError, match="FOLLOWUP_CALL_END"):
        FollowupSettings.from_env(environ={}, followup_call_start=start, followup_call_end=end)
    FollowupSettings.from_env(environ={}, followup_call_start=time(0),
                              followup_call_end=time(23, 59, 59))
