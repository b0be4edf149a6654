"""The follow-up desk's calling hours as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.followup.domain.calling import CallRules, first_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_next_opening_is_given_in_utc() -> None:
    """The docstring's promise: a moment outside calling hours moves to 09:00 hospital
    time, answered in UTC (01:00Z in Shanghai), whatever the machine's own zone is."""
    due = first_due(CallRules(), SHANGHAI, datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI))
    assert due == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert CallRules().hours.opens(due.date(), SHANGHAI).tzinfo is UTC
