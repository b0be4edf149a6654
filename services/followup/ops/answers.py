"""The admin keeps the shared answers: adds, rewrites, marks reviewed, retires."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.refusals import NotFound

from ..domain.answers import check_answer
from ..domain.calling import FollowupDesk
from ..models import SharedAnswer


def add(session: Session, desk: FollowupDesk, *, topic: str, question: str,
        answer: str) -> SharedAnswer:
    """A new answer, reviewed today (it was just written)."""
    check_answer(topic, question, answer)
    row = SharedAnswer(topic=topic, question=question.strip(), answer=answer.strip(),
                       reviewed_on=desk.today, updated_by=desk.by, updated_at=desk.now,
                       active=True)
    session.add(row)
    session.flush()
    return row


def found(session: Session, answer_id: int) -> SharedAnswer:
    row = session.get(SharedAnswer, answer_id)
    if row is None or not row.active:
        raise NotFound("shared answer", code="not_found")
    return row


def change(session: Session, desk: FollowupDesk, answer_id: int, *, topic: str,
           question: str, answer: str) -> SharedAnswer:
    """Rewritten (or only looked over): reviewed today, by this admin."""
    check_answer(topic, question, answer)
    row = found(session, answer_id)
    row.topic, row.question, row.answer = topic, question.strip(), answer.strip()
    row.reviewed_on, row.updated_by, row.updated_at = desk.today, desk.by, desk.now
    return row


def retire(session: Session, desk: FollowupDesk, answer_id: int) -> None:
    row = found(session, answer_id)
    row.active, row.updated_by, row.updated_at = False, desk.by, desk.now
