"""Enquiries, tasks and what a call can end in (SPEC §9)."""

from __future__ import annotations

from enum import StrEnum


class EnquiryStatus(StrEnum):
    OPEN = "open"
    CONVERTED = "converted"  # the same phone and name were booked


class TaskKind(StrEnum):
    ENQUIRY = "enquiry"  # asked, did not book, agreed to be called back
    NO_SHOW = "no_show"  # did not come
    HOSPITAL_CANCELLED = "hospital_cancelled"  # the hospital cancelled (停诊)
    SATISFACTION = "satisfaction"  # the day after a visit, with consent (SPEC §15)


class TaskStatus(StrEnum):
    OPEN = "open"
    BOOKED = "booked"
    UNREACHED = "unreached"
    DECLINED = "declined"
    WRONG_NUMBER = "wrong_number"
    DO_NOT_CALL = "do_not_call"
    WITHDRAWN = "withdrawn"  # nothing left to call about (a no-show undone, an erasure)
    ANSWERED = "answered"  # a satisfaction call-back: the three questions answered
    REFUSED = "refused"  # a satisfaction call-back the patient did not want to answer


class Outcome(StrEnum):
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    SWITCHED_OFF = "switched_off"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK = "call_back"
    BOOKED = "booked"
    DECLINED = "declined"
    DO_NOT_CALL = "do_not_call"
    DROPPED = "dropped"  # cut off mid-call: one immediate redial (SPEC §15)
    ANSWERED = "answered"  # satisfaction: the three questions scored
    REFUSED = "refused"  # satisfaction: the patient would rather not answer


#: Nobody spoke: the attempt counts towards the cap, and the next waits at least the spacing.
UNANSWERED = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.SWITCHED_OFF})
#: What an outcome closes a task as.
CLOSES = {Outcome.WRONG_NUMBER: TaskStatus.WRONG_NUMBER, Outcome.BOOKED: TaskStatus.BOOKED,
          Outcome.DECLINED: TaskStatus.DECLINED, Outcome.DO_NOT_CALL: TaskStatus.DO_NOT_CALL,
          Outcome.ANSWERED: TaskStatus.ANSWERED, Outcome.REFUSED: TaskStatus.REFUSED}
