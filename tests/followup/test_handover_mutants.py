"""Handing a task on as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md): each refusal is
checked whole — its kind, code, the field at fault and its words.
"""

from __future__ import annotations

import pytest

from services.common.refusals import Invalid, Refusal, Refused
from services.followup.domain.handover import check_handover

DESK = {"li", "wang"}


def refused(*, holder: bool = True, to: str | None = "wang", note: str = "患者下午方便接听"
            ) -> tuple[type, str, bool, str | None, str]:
    with pytest.raises(Refusal) as refusal:
        check_handover(holder=holder, by="li", to=to, note=note, colleagues=DESK)
    r = refusal.value
    return type(r), r.code, r.named, r.field, r.message


def test_only_the_holder_hands_a_task_on() -> None:
    assert refused(holder=False) == (
        Refused, "not_claimed", True, None, "Claim the task before handing it on.")


def test_a_handover_says_in_a_note_what_the_next_caller_should_know() -> None:
    assert refused(note=" ") == (
        Invalid, "handover_note_required", True, "note",
        "Say in a note what the next caller should know.")
    assert refused(to=None, note="") == (
        Invalid, "handover_note_required", True, "note",
        "Say in a note what the next caller should know.")


def test_to_a_colleague_of_the_desk_other_than_oneself() -> None:
    assert refused(to="li") == (
        Invalid, "hand_to_self", True, "to", "You hold this task already.")
    assert refused(to="zhao") == (
        Invalid, "unknown_colleague", True, "to",
        "Hand the task to a colleague of the follow-up desk.")


def test_to_a_colleague_or_back_to_the_list_with_a_note() -> None:
    check_handover(holder=True, by="li", to="wang", note="患者下午方便接听", colleagues=DESK)
    check_handover(holder=True, by="li", to=None, note="打了两次没人接", colleagues=DESK)
