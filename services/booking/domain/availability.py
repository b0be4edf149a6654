"""What a slot and a day look like to the desk: open, full, 停诊, not yet released, closed.

"不可约" used to cover four different things; each has its own state now, so the
console can say which (and when booking opens).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SlotState(StrEnum):
    OPEN = "open"  # bookable, places left
    FULL = "full"  # bookable, none left (held places count as taken)
    STOPPED = "stopped"  # 停诊: the hospital cancelled it
    NOT_RELEASED = "not_released"  # 未放号: opens at the release time
    CLOSED = "closed"  # past the cut-off, not started
    PAST = "past"  # started


class DayState(StrEnum):
    OPEN = "open"  # 有号
    FULL = "full"  # 约满 (a waitlist can be joined)
    STOPPED = "stopped"  # 停诊: every session cancelled
    NOT_RELEASED = "not_released"  # 未放号
    CLOSED = "closed"  # booking for the day is over
    NONE = "none"  # no session that day


@dataclass(frozen=True)
class Moment:
    """The instants a grid is judged against, computed once per answer."""

    now: datetime
    open_after: datetime  # slots starting later are before their cut-off


def slot_state(*, stopped: bool, released: bool, start: datetime, remaining: int,
               at: Moment) -> SlotState:
    if stopped:
        return SlotState.STOPPED
    if start <= at.now:
        return SlotState.PAST
    if not released:
        return SlotState.NOT_RELEASED
    if start <= at.open_after:
        return SlotState.CLOSED
    return SlotState.OPEN if remaining > 0 else SlotState.FULL


def day_state(states: Iterable[SlotState]) -> DayState:
    """A day in the strip: open if any place can be booked; full if places could be booked
    but none is left; otherwise what keeps it shut."""
    seen = set(states)
    if not seen:
        return DayState.NONE
    for state in (SlotState.OPEN, SlotState.FULL, SlotState.NOT_RELEASED):
        if state in seen:
            return DayState(state.value)
    if seen == {SlotState.STOPPED}:
        return DayState.STOPPED
    return DayState.CLOSED
