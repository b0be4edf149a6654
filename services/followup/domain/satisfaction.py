"""Satisfaction call-backs (SPEC §15): only with the consent given at booking, the day
after the visit, three short questions scored 1–5 and a note.

A satisfaction call asks, never sells: it has its own two endings (``answered`` with the
three scores, ``refused``) and none of the enquiry's (no booking, no objection). The
unanswered outcomes, dropped calls, call-backs, wrong numbers and do-not-call work as on
every task, so it is capped and spaced like the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from services.common.refusals import Invalid

from .calling import CallRules
from .statuses import UNANSWERED, Outcome, TaskKind

#: The three questions, in the card's order: the expert's explanation (讲解是否清楚), the
#: waiting time (候诊时间), the visit overall (总体满意度).
QUESTIONS = ("explanation", "waiting", "overall")
LOWEST, HIGHEST = 1, 5
#: Below this many answers a group's averages are shown greyed as a small sample.
SMALL_SAMPLE = 5

#: What a satisfaction call may end in.
SATISFACTION_OUTCOMES = UNANSWERED | {Outcome.DROPPED, Outcome.CALL_BACK, Outcome.WRONG_NUMBER,
                                      Outcome.DO_NOT_CALL, Outcome.ANSWERED, Outcome.REFUSED}
#: The outcomes only a satisfaction call has.
ONLY_SATISFACTION = frozenset({Outcome.ANSWERED, Outcome.REFUSED})


def first_call(rules: CallRules, zone: ZoneInfo, checked_in_at: datetime) -> datetime:
    """When calling hours open on the hospital day after the check-in (``rules``'
    ``satisfaction_after`` days after: 0 is the same day's opening, passed already, so
    due at once — the browser tests' clinic uses it)."""
    day = checked_in_at.astimezone(zone).date() + timedelta(days=rules.satisfaction_after)
    return rules.hours.opens(day, zone)


def check_outcome(kind: str, outcome: Outcome) -> None:
    """A satisfaction call ends only in its own outcomes or the common ones; no other
    task may end in ``answered`` or ``refused``."""
    if kind == TaskKind.SATISFACTION and outcome not in SATISFACTION_OUTCOMES:
        raise Invalid("outcome_not_for_satisfaction", "A satisfaction call is answered, "
                      "refused or not reached; it books nothing.", field="outcome")
    if kind != TaskKind.SATISFACTION and outcome in ONLY_SATISFACTION:
        raise Invalid("outcome_only_for_satisfaction", "Only a satisfaction call is "
                      "answered or refused.", field="outcome")


def check_scores(outcome: Outcome, scores: dict[str, Any] | None) -> dict[str, int] | None:
    """The three scores, each a whole number 1–5, required with ``answered`` and refused
    with any other outcome."""
    if outcome != Outcome.ANSWERED:
        if scores:
            raise Invalid("scores_only_when_answered", "Scores go with an answered "
                          "satisfaction call only.", field="scores")
        return None
    scores = scores or {}
    checked: dict[str, int] = {}
    for question in QUESTIONS:
        value = scores.get(question)
        if value is None:
            raise Invalid("scores_required", "Score all three questions (1–5).",
                          field=f"scores.{question}")
        if isinstance(value, bool) or not isinstance(value, int) \
                or not LOWEST <= value <= HIGHEST:
            raise Invalid("score_out_of_range", "A score is a whole number from 1 to 5.",
                          field=f"scores.{question}")
        checked[question] = value
    return checked


@dataclass(frozen=True)
class Result:
    """One closed satisfaction task: whom it was about, how it ended, the scores if any."""

    expert_id: int | None
    expert: str
    department_id: int | None
    department: str
    status: str
    scores: dict[str, int] | None


def summarise(results: list[Result], by: str) -> list[dict[str, Any]]:
    """Per expert (``by="expert"``) or department: how many answered, refused or were not
    reached, and each question's average over the answers with their count ``n`` —
    ``small`` when fewer than :data:`SMALL_SAMPLE`, so a 5.0 of one call reads as one."""
    groups: dict[Any, list[Result]] = {}
    for result in results:
        key = result.expert_id if by == "expert" else result.department_id
        groups.setdefault(key, []).append(result)
    rows = [row(key, group, by) for key, group in groups.items()]
    return sorted(rows, key=lambda r: (-r["n"], r["name"]))


def row(key: Any, group: list[Result], by: str) -> dict[str, Any]:
    scored = [r.scores for r in group if r.scores]
    first = group[0]
    return {"id": key, "name": first.expert if by == "expert" else first.department,
            "department": first.department, "n": len(scored),
            "refused": sum(r.status == "refused" for r in group),
            "unreached": sum(r.status == "unreached" for r in group),
            "small": len(scored) < SMALL_SAMPLE,
            "averages": {q: round(fmean(s[q] for s in scored), 1) if scored else None
                         for q in QUESTIONS}}
