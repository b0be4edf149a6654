"""Followup's tables (SQLAlchemy 2 typed models). Followup publishes nothing, so it has
no outbox; it keeps an inbox of booking's and schedule's events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.access_records import AccessRecordMixin
from services.common.db import UTCDateTime
from services.common.hospital_copy import HospitalCopyMixin
from services.common.idempotency import IdempotencyMixin
from services.common.inbox import DeadLetterMixin, InboxMixin
from services.common.staff_copy import StaffTokensMixin

from .domain.statuses import TaskStatus

#: This service's Alembic migrations (run by boot, `clinic-<service> migrate` and `make run`).
MIGRATIONS = "services.followup:migrations"

SERVICE = "followup"


class Base(DeclarativeBase):
    pass


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class StaffTokens(StaffTokensMixin, Base):
    """Which staff tokens are void, as schedule told us."""


class Hospital(HospitalCopyMixin, Base):
    """Followup's copy of the hospital's facts: the call card tells them, calling hours
    are in its zone."""


class Department(Base):
    """Department names, from schedule's events, for the enquiry form and the funnel."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    facts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Enquiry(Base):
    """Someone who asked but did not book: who, how they reached us, what they asked, and
    whether they agreed to be called back. Booked later under the same phone and name,
    it is ``converted``, credited to the consultant who recorded it."""

    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    complaint: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    call_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12))  # EnquiryStatus
    recorded_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    appointment_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_enquiries_phone_name", "phone", "name_key"),)


_OPEN = text(f"status = '{TaskStatus.OPEN}'")
_FROM_AN_APPOINTMENT = text("appointment_id IS NOT NULL")
_FROM_AN_ENQUIRY = text("enquiry_id IS NOT NULL")


class Task(Base):
    """One person to call and why: an enquiry to call back, a no-show, a visit the
    hospital cancelled. ``attempts`` counts unanswered calls; ``claimed_by`` holds it for
    one consultant until ``claimed_until``."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # TaskKind
    status: Mapped[str] = mapped_column(String(16))  # TaskStatus
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    enquiry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sms_reached: Mapped[bool] = mapped_column(Boolean, default=True)
    context: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what happened
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The code of the appointment that closed it as booked (a call or booking's event).
    booked_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: The last call dropped: one immediate redial is allowed, not yet counted an attempt.
    redial_pending: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))
    #: The card's call button was pressed (who, when): the call being made now.
    dialled_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    dialled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_tasks_open_due", "due_at", postgresql_where=_OPEN, sqlite_where=_OPEN),
        # One task per appointment and kind, one per enquiry: a redelivered event, or two
        # timers at once, can never open a second.
        Index("uq_tasks_appointment_kind", "appointment_id", "kind", unique=True,
              postgresql_where=_FROM_AN_APPOINTMENT, sqlite_where=_FROM_AN_APPOINTMENT),
        Index("uq_tasks_enquiry", "enquiry_id", unique=True,
              postgresql_where=_FROM_AN_ENQUIRY, sqlite_where=_FROM_AN_ENQUIRY),
    )


class CallAttempt(Base):
    """Every call, answered or not: who called, when it started (the card's call button;
    none when it was not pressed) and ended (``at``), and how it ended."""

    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, index=True)
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # Outcome
    note: Mapped[str] = mapped_column(Text, default="")
    call_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    appointment_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: On a declined call: what the person said (domain/objections.py), the note the rest.
    objection: Mapped[str | None] = mapped_column(String(24), nullable=True)


class SatisfactionAnswer(Base):
    """The three scores (1–5) of an answered satisfaction call-back, with whom the visit was
    with, so the results group by expert and department (SPEC §15). One per task."""

    __tablename__ = "satisfaction_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, unique=True)
    call_id: Mapped[int] = mapped_column(Integer)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expert_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    expert_name: Mapped[str] = mapped_column(String(180), default="")
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    department_name: Mapped[str] = mapped_column(String(120), default="")
    explanation: Mapped[int] = mapped_column(Integer)  # domain/satisfaction.QUESTIONS
    waiting: Mapped[int] = mapped_column(Integer)
    overall: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class TaskHandover(Base):
    """A claimed task handed to a colleague (``to``) or released to the list (``to`` none),
    with the note for whoever calls next."""

    __tablename__ = "task_handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, index=True)
    by: Mapped[str] = mapped_column(String(60))
    to: Mapped[str | None] = mapped_column(String(60), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Expert(Base):
    """Experts as schedule last told of them: a complaint names one from this list."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(60), default="")
    department_id: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    facts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Complaint(Base):
    """A complaint (平息抱怨): from a call, a chat or the desk; about a department or expert
    of the directory; what happened and what the patient wants; an owner and due day;
    the resolution; the closing call."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    patient_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    what: Mapped[str] = mapped_column(Text)
    wish: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    expert_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # ComplaintStatus
    owner: Mapped[str] = mapped_column(String(60), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SharedAnswer(Base):
    """One of the hospital's shared answers (统一回答口径): the question, the answer every
    consultant gives, and the day an admin last reviewed it."""

    __tablename__ = "shared_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))  # domain/answers.TOPICS
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    reviewed_on: Mapped[date] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DoNotCall(Base):
    """A phone never to be called: final for every kind of task until an admin removes it
    at the patient's request, with the reason."""

    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(400), default="")
    added_by: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    removal_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)


class KnownPatient(Base):
    """Booking's patients as its events named them (id, phone, name), so an erasure or an
    export by patient id also finds their enquiries recorded before any booking."""

    __tablename__ = "known_patients"

    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    phone: Mapped[str] = mapped_column(String(20))
    name_key: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KnownAppointment(Base):
    """Appointments booking made, as its events told them: a ``booked`` call must name one
    of these, made (or moved) for the task's patient after the task opened (SPEC §9,
    "outcomes are facts")."""

    __tablename__ = "known_appointments"

    appointment_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                autoincrement=False)
    code: Mapped[str] = mapped_column(String(8), index=True)
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    phone: Mapped[str] = mapped_column(String(20))
    name_key: Mapped[str] = mapped_column(String(120))
    booked_by: Mapped[str] = mapped_column(String(60))
    #: When followup learned it was booked, or last moved.
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: When and where the visit is, to repeat back at the end of a call (SPEC §15).
    start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    place: Mapped[str | None] = mapped_column(String(300), nullable=True)


class StaffName(Base):
    """Staff members' display names, as their own signed tokens gave them when they
    worked here: pages name people, not usernames."""

    __tablename__ = "staff_names"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: A consultant of the desk (a colleague to hand tasks and complaints to); front desk
    #: members are named here only so that the complaints they record show their names.
    colleague: Mapped[bool] = mapped_column(Boolean, default=True,
                                            server_default=text("true"))


class AccessRecord(AccessRecordMixin, Base):
    """Who saw a patient's full phone on a call card, or exported what followup holds on
    them, and when (append-only, SPEC §8); a call card's read names its task too."""

    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IdempotencyRecord(IdempotencyMixin, Base):
    """The answer given to a create call with an ``Idempotency-Key``, to give it again."""
