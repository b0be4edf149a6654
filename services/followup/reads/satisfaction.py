"""Satisfaction call-backs' results by expert and department (SPEC §15), in one query."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.satisfaction import QUESTIONS, Result, summarise
from ..domain.statuses import TaskKind, TaskStatus
from ..models import SatisfactionAnswer, Task

#: How a satisfaction task can end that says something about the visit's follow-up.
ENDINGS = (TaskStatus.ANSWERED, TaskStatus.REFUSED, TaskStatus.UNREACHED)


def results(session: Session, after: datetime, before: datetime) -> list[Result]:
    """The satisfaction tasks closed in the period (answered, refused, not reached), with
    the scores of those answered."""
    rows = session.execute(
        select(Task, SatisfactionAnswer)
        .outerjoin(SatisfactionAnswer, SatisfactionAnswer.task_id == Task.id)
        .where(Task.kind == TaskKind.SATISFACTION, Task.status.in_(ENDINGS),
               Task.closed_at >= after, Task.closed_at < before)).all()
    return [result_of(task, answer) for task, answer in rows]


def result_of(task: Task, answer: SatisfactionAnswer | None) -> Result:
    facts = json.loads(task.context or "{}")
    return Result(expert_id=facts.get("expert_id"), expert=str(facts.get("expert") or ""),
                  department_id=facts.get("department_id"),
                  department=str(facts.get("department") or ""), status=task.status,
                  scores={q: getattr(answer, q) for q in QUESTIONS} if answer else None)


def satisfaction(session: Session, after: datetime, before: datetime) -> dict[str, Any]:
    found = results(session, after, before)
    return {"by_expert": summarise(found, "expert"),
            "by_department": summarise(found, "department"),
            "total": summarise([Result(None, "", None, "", r.status, r.scores) for r in found],
                               "expert")}
