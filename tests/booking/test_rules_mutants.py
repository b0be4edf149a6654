"""Booking rules at their edges, as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.booking.domain.rules import RuleBroken, check_walk_in


def test_a_walk_in_goes_into_a_slot_until_the_moment_it_ends() -> None:
    today = date(2026, 11, 24)
    end = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    check_walk_in(today, today, end - timedelta(seconds=1), end)
    with pytest.raises(RuleBroken) as over:
        check_walk_in(today, today, end, end)
    assert over.value.code == "slot_over"
    with pytest.raises(RuleBroken) as later:
        check_walk_in(today, today + timedelta(days=1), end - timedelta(hours=30), end)
    assert later.value.code == "not_today"
