"""What the patient is told of a cancellation's reason, as plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from services.notify.domain.rendering import reason_text


def test_a_reason_without_words_says_nothing_rather_than_none() -> None:
    assert reason_text("something_new", "", "en") == ""
    assert reason_text("something_new", "a note", "zh-CN") == ""
    assert reason_text("expert_unavailable", "学术会议", "zh-CN") == "学术会议"
    assert reason_text("expert_unavailable", "conference", "en") == \
        "the doctor is unavailable: conference"
