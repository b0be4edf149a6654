"""The shared answers, searched as the desk types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.answers import TOPICS, Answer, due_for_review, search
from ..domain.calling import FollowupDesk
from ..models import SharedAnswer

#: A topic's words both languages search by (typing 医保 finds the insurance answers).
TOPIC_WORDS = {"fees": ("费用", "收费", "价格", "fee", "price"), "insurance": ("医保", "insurance"),
               "route": ("路线", "交通", "地址", "route", "directions"),
               "parking": ("停车", "parking"), "preparing": ("就诊准备", "空腹", "preparing"),
               "online_limits": ("网上", "线上", "诊断", "用药", "online"),
               "other": ("其他", "other")}


def active(session: Session) -> list[Answer]:
    rows = session.scalars(select(SharedAnswer).where(SharedAnswer.active.is_(True))
                           .order_by(SharedAnswer.id))
    ordered = sorted(rows, key=lambda r: (TOPICS.index(r.topic) if r.topic in TOPICS
                                          else len(TOPICS), r.id))
    return [Answer(r.id, r.topic, r.question, r.answer, r.reviewed_on) for r in ordered]


def answers(session: Session, desk: FollowupDesk, query: str = "",
            topic: str | None = None) -> list[dict[str, Any]]:
    found = search(active(session), query, TOPIC_WORDS)
    return [view(a, desk) for a in found if topic in (None, a.topic)]


def view(answer: Answer, desk: FollowupDesk) -> dict[str, Any]:
    return {"id": answer.id, "topic": answer.topic, "question": answer.question,
            "answer": answer.answer, "reviewed_on": answer.reviewed_on,
            "due_for_review": due_for_review(answer.reviewed_on, desk.today)}


def first_by_topic(session: Session, topics: tuple[str, ...]) -> dict[str, str]:
    """The first shared answer of each topic, for the facts that answer an objection."""
    firsts: dict[str, str] = {}
    for answer in active(session):
        if answer.topic in topics:
            firsts.setdefault(answer.topic, answer.answer)
    return firsts
