"""Places to offer a patient whose appointment the hospital had to cancel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    slot_id: int
    expert_id: int
    department_id: int
    start: datetime
    remaining: int


def choose_alternatives(expert_id: int, department_id: int, original_start: datetime,
                        candidates: Iterable[Candidate], *, limit: int = 3) -> list[Candidate]:
    """The same expert's next free places first, then the department's nearest in time."""
    free = [c for c in candidates if c.remaining > 0]
    same = sorted((c for c in free if c.expert_id == expert_id), key=lambda c: c.start)
    chosen = same[:limit]
    if len(chosen) < limit:
        others = sorted((c for c in free if c.expert_id != expert_id
                         and c.department_id == department_id),
                        key=lambda c: (abs((c.start - original_start).total_seconds()), c.start))
        chosen += others[:limit - len(chosen)]
    return chosen


@dataclass(frozen=True)
class Alternative:
    """A bookable place offered instead of one the hospital cancelled (or to move to)."""

    slot_id: int
    expert_id: int
    expert_name: str
    start: datetime
    remaining: int
