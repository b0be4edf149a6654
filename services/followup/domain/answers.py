"""Shared answers (统一回答口径, SPEC §15): the hospital's own words for the questions the
desk hears every day, kept by an admin, each with the day it was last reviewed, so every
consultant tells a patient the same facts — and says plainly what cannot be answered
online (no diagnosis, no medication)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.common.refusals import Invalid

#: The topics, in the order the list shows them.
TOPICS = ("fees", "insurance", "route", "parking", "preparing", "online_limits", "other")

#: An answer not reviewed for this long is marked for review (fees and 医保 rules change).
REVIEW_EVERY = timedelta(days=180)


@dataclass(frozen=True)
class Answer:
    id: int
    topic: str
    question: str
    answer: str
    reviewed_on: date


def check_answer(topic: str, question: str, answer: str) -> None:
    if topic not in TOPICS:
        raise Invalid("unknown_topic", "This is not one of the shared answers' topics.",
                      field="topic")
    if not question.strip():
        raise Invalid("question_required", "Give the question this answers.",
                      field="question")
    if not answer.strip():
        raise Invalid("answer_required", "Give the answer.", field="answer")


def folded(text: str) -> str:
    """Full-width folded (ＡＢＣ, １２３), case-folded: how a search compares text."""
    return unicodedata.normalize("NFKC", text).casefold()


def search(answers: Iterable[Answer], query: str,
           topic_words: Mapping[str, Sequence[str]] | None = None) -> list[Answer]:
    """The answers holding every word of ``query`` (split on spaces) in their question,
    answer or topic (its code or ``topic_words``, e.g. 医保 for insurance); an empty
    query finds all. Chinese has no spaces: a word is any run of characters typed."""
    words = folded(query).split()
    found = []
    for answer in answers:
        names = [answer.topic, *(topic_words or {}).get(answer.topic, ())]
        text = folded(" ".join([answer.question, answer.answer, *names]))
        if all(word in text for word in words):
            found.append(answer)
    return found


def due_for_review(reviewed_on: date, today: date) -> bool:
    return today - reviewed_on >= REVIEW_EVERY
