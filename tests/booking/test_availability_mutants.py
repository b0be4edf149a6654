"""A slot's state at the edges of now and of its cut-off, as plain Python: what a mutant
changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from services.booking.domain.availability import Moment, SlotState, slot_state

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_slot_starting_this_instant_is_past_and_one_starting_at_its_cut_off_is_closed() -> None:
    at = Moment(now=NOW, open_after=NOW + timedelta(minutes=30))
    state = partial(slot_state, stopped=False, released=True, remaining=3, at=at)
    assert state(start=NOW) is SlotState.PAST
    assert state(start=NOW + timedelta(seconds=1)) is SlotState.CLOSED
    assert state(start=at.open_after) is SlotState.CLOSED
    assert state(start=at.open_after + timedelta(seconds=1)) is SlotState.OPEN
