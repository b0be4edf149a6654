"""``check_objection`` refuses with the right code, on the right field, in words
(mutation survivors of ``services/followup/domain/objections.py``)."""

from __future__ import annotations

import pytest

from services.common.refusals import Invalid
from services.followup.domain.objections import check_objection
from services.followup.domain.statuses import Outcome

KINDS = ("price", "distance", "other")


def refusal(outcome: Outcome, objection: str | None, note: str = "") -> Invalid:
    with pytest.raises(Invalid) as refused:
        check_objection(outcome, objection, note, KINDS)
    return refused.value


@pytest.mark.parametrize("outcome, objection, note, code, field", [
    (Outcome.BOOKED, "price", "", "objection_only_on_declined", "objection"),
    (Outcome.DECLINED, None, "", "objection_required", "objection"),
    (Outcome.DECLINED, "", "", "objection_required", "objection"),
    (Outcome.DECLINED, "weather", "", "unknown_objection", "objection"),
    (Outcome.DECLINED, "other", "  ", "objection_note_required", "note"),
])
def test_each_refusal_names_its_code_and_field_in_words(outcome: Outcome, objection: str | None,
                                                        note: str, code: str,
                                                        field: str) -> None:
    refused = refusal(outcome, objection, note)
    assert (refused.code, refused.field) == (code, field)
    assert refused.message != code and " " in refused.message, refused.message


def test_an_objection_is_kept_only_on_a_declined_call() -> None:
    assert check_objection(Outcome.BOOKED, None, "", KINDS) is None
    assert check_objection(Outcome.DECLINED, "price", "", KINDS) == "price"
    assert check_objection(Outcome.DECLINED, "other", "太远了", KINDS) == "other"
