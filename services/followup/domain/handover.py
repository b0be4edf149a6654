"""Handing a claimed task on (SPEC §15): to a named colleague, who then holds the claim,
or back to the list; either with a note, so the next caller knows what was said."""

from __future__ import annotations

from collections.abc import Collection

from services.common.refusals import Invalid, Refused


def check_handover(*, holder: bool, by: str, to: str | None, note: str,
                   colleagues: Collection[str]) -> None:
    """Only the consultant holding the claim hands it on; to a colleague of the desk
    other than themselves; always with a note."""
    if not holder:
        raise Refused("not_claimed", "Claim the task before handing it on.")
    if not note.strip():
        raise Invalid("handover_note_required", "Say in a note what the next caller should "
                      "know.", field="note")
    if to is None:
        return
    if to == by:
        raise Invalid("hand_to_self", "You hold this task already.", field="to")
    if to not in colleagues:
        raise Invalid("unknown_colleague", "Hand the task to a colleague of the follow-up "
                      "desk.", field="to")
