"""Booking's tables (SQLAlchemy 2 typed models)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import UTCDateTime
from services.common.hospital_copy import HospitalCopyMixin
from services.common.inbox import DeadLetterMixin, InboxMixin
from services.common.outbox import Outbox, OutboxMixin

SERVICE = "booking"


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


outbox = Outbox(OutboxMessage, source=SERVICE)


class Hospital(HospitalCopyMixin, Base):
    """Booking's copy of the hospital's facts."""


class Department(Base):
    """Booking's copy of a department, from schedule's events."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    facts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Expert(Base):
    """Booking's copy of an expert, from schedule's events."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    facts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Slot(Base):
    """A slot as booking counts it: the only place where places are counted.

    ``booked`` counts the slot's appointments that are not cancelled (a no-show
    still used its place), ``held`` its active holds, ``overbooked`` the walk-ins
    the front desk added beyond capacity. ``booked + held <= capacity`` is kept by
    one conditional UPDATE per change and, as a last line, by a check constraint.
    """

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"))
    department_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    overbooked: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="active")
    cancel_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    session: Mapped[str] = mapped_column(String(11), default="")
    seat_offset: Mapped[int] = mapped_column(Integer, default=0)
    session_places: Mapped[int] = mapped_column(Integer, default=0)
    session_end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("booked >= 0 AND held >= 0 AND overbooked >= 0",
                        name="ck_slots_counts_not_negative"),
        CheckConstraint("booked + held <= capacity", name="ck_slots_never_oversold"),
        Index("ix_slots_day_department", "day", "department_id"),
        Index("ix_slots_expert_day", "expert_id", "day"),
    )


ACTIVE_STATUSES = ("booked", "checked_in")
_ACTIVE_APPOINTMENT = text("status IN ('booked', 'checked_in')")
_HOLDS_A_SEAT = text("status <> 'cancelled'")


class Patient(Base):
    """A patient, identified by the phone number (E.164)."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Hold(Base):
    """A place kept for one consultant while the patient confirms."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    consultant: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12))  # active | used | released | expired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_holds_active_expiry", "status", "expires_at"),
        Index("ix_holds_slot_status", "slot_id", "status"),
    )


class Appointment(Base):
    """A patient's place in a slot, with its code and queue number."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    session_end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    seat: Mapped[int] = mapped_column(Integer)
    queue_number: Mapped[int] = mapped_column(Integer)
    overbooked: Mapped[bool] = mapped_column(Boolean, default=False)
    overbook_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    channel: Mapped[str] = mapped_column(String(12))
    complaint: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    booked_by: Mapped[str] = mapped_column(String(60))
    cancel_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cancel_note: Mapped[str | None] = mapped_column(String(400), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_appointments_day_expert", "day", "expert_id"),
        Index("ix_appointments_status_session_end", "status", "session_end_at"),
        # One active appointment per patient per expert per day, and one patient per seat:
        # the database refuses the second even when two requests race.
        Index("uq_appointments_patient_expert_day", "patient_id", "expert_id", "day",
              unique=True, postgresql_where=_ACTIVE_APPOINTMENT,
              sqlite_where=_ACTIVE_APPOINTMENT),
        Index("uq_appointments_slot_seat", "slot_id", "seat", unique=True,
              postgresql_where=_HOLDS_A_SEAT, sqlite_where=_HOLDS_A_SEAT),
    )


class StatusChange(Base):
    """Every change of an appointment's status, with who and why (undo included)."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """The answer given to a create call with an ``Idempotency-Key``, to give it again."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    principal: Mapped[str] = mapped_column(String(60), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
