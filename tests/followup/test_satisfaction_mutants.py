"""Satisfaction call-backs as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md): the results
grouped by department as well as by expert, row by row, averages to one decimal; which
outcome ends which task and the scores, each refusal checked whole (code, field, words).
"""

from __future__ import annotations

import pytest

from services.common.refusals import Invalid
from services.followup.domain.satisfaction import (
    Result,
    check_outcome,
    check_scores,
    summarise,
)
from services.followup.domain.statuses import Outcome, TaskKind


def result(expert_id: int, department_id: int, scores: dict[str, int] | None,
           status: str = "answered") -> Result:
    department = {2: "消化内科", 4: "心内科"}[department_id]
    return Result(expert_id, f"expert {expert_id}", department_id, department, status, scores)


def scores(explanation: int, waiting: int, overall: int) -> dict[str, int]:
    return {"explanation": explanation, "waiting": waiting, "overall": overall}


RESULTS = [result(1, 2, scores(4, 3, 5)), result(1, 2, scores(4, 4, 4)),
           result(3, 2, scores(5, 4, 4)), result(3, 2, None, "refused"),
           result(7, 4, scores(2, 5, 3)), result(7, 4, None, "unreached")]


def test_by_department_the_experts_of_one_department_are_counted_together() -> None:
    """Averages to one decimal: 13/3 is 4.3, not 4.33."""
    assert summarise(RESULTS, "department") == [
        {"id": 2, "name": "消化内科", "department": "消化内科", "n": 3, "refused": 1,
         "unreached": 0, "small": True,
         "averages": {"explanation": 4.3, "waiting": 3.7, "overall": 4.3}},
        {"id": 4, "name": "心内科", "department": "心内科", "n": 1, "refused": 0,
         "unreached": 1, "small": True,
         "averages": {"explanation": 2.0, "waiting": 5.0, "overall": 3.0}},
    ]


def test_by_expert_each_row_names_the_experts_department() -> None:
    rows = summarise(RESULTS, "expert")
    assert [(r["id"], r["name"], r["department"], r["n"]) for r in rows] == [
        (1, "expert 1", "消化内科", 2), (3, "expert 3", "消化内科", 1),
        (7, "expert 7", "心内科", 1)]
    assert rows[0]["averages"] == {"explanation": 4.0, "waiting": 3.5, "overall": 4.5}


SATISFACTION_ENDINGS = {Outcome.NO_ANSWER, Outcome.BUSY, Outcome.SWITCHED_OFF, Outcome.DROPPED,
                        Outcome.CALL_BACK, Outcome.WRONG_NUMBER, Outcome.DO_NOT_CALL,
                        Outcome.ANSWERED, Outcome.REFUSED}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_what_a_satisfaction_call_may_end_in(outcome: Outcome) -> None:
    if outcome in SATISFACTION_ENDINGS:
        check_outcome(TaskKind.SATISFACTION, outcome)
        return
    with pytest.raises(Invalid) as refused:
        check_outcome(TaskKind.SATISFACTION, outcome)
    r = refused.value
    assert (r.code, r.named, r.field, r.message) == (
        "outcome_not_for_satisfaction", True, "outcome",
        "A satisfaction call is answered, refused or not reached; it books nothing.")


@pytest.mark.parametrize("kind", [k for k in TaskKind if k != TaskKind.SATISFACTION])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_only_a_satisfaction_call_is_answered_or_refused(kind: TaskKind,
                                                          outcome: Outcome) -> None:
    if outcome not in (Outcome.ANSWERED, Outcome.REFUSED):
        check_outcome(kind, outcome)
        return
    with pytest.raises(Invalid) as refused:
        check_outcome(kind, outcome)
    r = refused.value
    assert (r.code, r.named, r.field, r.message) == (
        "outcome_only_for_satisfaction", True, "outcome",
        "Only a satisfaction call is answered or refused.")


def scores_refusal(outcome: Outcome, given: object) -> tuple[str, bool, str | None, str]:
    with pytest.raises(Invalid) as refused:
        check_scores(outcome, given)  # type: ignore[arg-type]
    r = refused.value
    return r.code, r.named, r.field, r.message


def test_the_three_scores_go_with_an_answered_call_only() -> None:
    assert check_scores(Outcome.ANSWERED, {**scores(1, 5, 3), "extra": 9}) == scores(1, 5, 3)
    assert check_scores(Outcome.REFUSED, None) is None
    assert check_scores(Outcome.NO_ANSWER, {}) is None
    assert scores_refusal(Outcome.REFUSED, scores(5, 5, 5)) == (
        "scores_only_when_answered", True, "scores",
        "Scores go with an answered satisfaction call only.")


@pytest.mark.parametrize("given,field", [
    (None, "scores.explanation"), ({}, "scores.explanation"),
    ({"explanation": 4, "overall": 4}, "scores.waiting"),
    ({"explanation": 4, "waiting": 4}, "scores.overall"),
])
def test_every_question_is_scored(given, field) -> None:
    assert scores_refusal(Outcome.ANSWERED, given) == (
        "scores_required", True, field, "Score all three questions (1–5).")


@pytest.mark.parametrize("given,field", [
    (scores(0, 3, 3), "scores.explanation"), (scores(3, 6, 3), "scores.waiting"),
    (scores(3, 3, True), "scores.overall"), (scores(3, 3.0, 3), "scores.waiting"),
    ({**scores(3, 3, 3), "explanation": "4"}, "scores.explanation"),
])
def test_a_score_is_a_whole_number_from_1_to_5(given, field) -> None:
    assert scores_refusal(Outcome.ANSWERED, given) == (
        "score_out_of_range", True, field, "A score is a whole number from 1 to 5.")
