"""The places offered after a hospital cancellation, as plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.booking.domain.alternatives import Candidate, choose_alternatives

ORIGINAL = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def place(slot_id: int, expert_id: int, hours: int, remaining: int = 1,
          department_id: int = 1) -> Candidate:
    return Candidate(slot_id, expert_id, department_id, ORIGINAL + timedelta(hours=hours),
                     remaining)


def test_three_places_at_most_the_same_expert_first_and_none_full() -> None:
    same = [place(1, 7, 48), place(2, 7, 24), place(3, 7, 72), place(4, 7, 96)]
    others = [place(5, 8, 1), place(6, 9, 2, remaining=0)]
    assert [c.slot_id for c in choose_alternatives(7, 1, ORIGINAL, same + others)] == [2, 1, 3]


def test_the_department_fills_what_the_expert_cannot_nearest_first() -> None:
    candidates = [place(1, 7, 24), place(2, 8, -3), place(3, 9, 2), place(4, 8, 5),
                  place(5, 9, 1, remaining=0), place(6, 8, 1, department_id=2)]
    assert [c.slot_id for c in choose_alternatives(7, 1, ORIGINAL, candidates)] == [1, 3, 2]
    assert choose_alternatives(7, 1, ORIGINAL, [place(1, 7, 24, remaining=0)]) == []
    chosen = choose_alternatives(7, 1, ORIGINAL, candidates, limit=2)
    assert [c.slot_id for c in chosen] == [1, 3]
