"""Shared answers as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md): each refusal is
checked whole (kind, code, field, words), and a search word never matches across the
joins between a question, its answer and its topic.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common.refusals import Invalid
from services.followup.domain.answers import Answer, check_answer, search


@pytest.mark.parametrize("topic,question,answer,code,field,message", [
    ("weather", "挂号费多少？", "普通门诊 25 元。", "unknown_topic", "topic",
     "This is not one of the shared answers' topics."),
    ("fees", " ", "普通门诊 25 元。", "question_required", "question",
     "Give the question this answers."),
    ("fees", "挂号费多少？", "\t", "answer_required", "answer", "Give the answer."),
])
def test_an_answer_is_refused_naming_the_field_at_fault(topic, question, answer, code,
                                                         field, message) -> None:
    with pytest.raises(Invalid) as refused:
        check_answer(topic, question, answer)
    r = refused.value
    assert (r.code, r.named, r.field, r.message) == (code, True, field, message)


def test_a_whole_answer_is_accepted() -> None:
    check_answer("parking", "能停车吗？", "地下车库 B2，每小时 10 元。")


PARKING = Answer(1, "parking", "能停车吗", "地下车库", date(2026, 1, 5))


def test_a_word_is_found_within_one_part_only() -> None:
    """The question, the answer and the topic are joined by a space: a word made of the
    end of one and the start of the next, or of the joint itself, matches nothing."""
    assert search([PARKING], "停车吗地下") == []
    assert search([PARKING], "吗 地下") == [PARKING]
    assert search([PARKING], "xx") == []
    assert search([PARKING], "库parking") == []
    assert search([PARKING], "库 parking") == [PARKING]
