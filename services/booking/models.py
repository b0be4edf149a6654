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

from services.common.db import UTCDateTime, refuse_on
from services.common.hospital_copy import HospitalCopyMixin
from services.common.idempotency import IdempotencyMixin
from services.common.inbox import DeadLetterMixin, InboxMixin
from services.common.outbox import Outbox, OutboxMixin
from services.common.staff_copy import StaffTokensMixin

from .domain.statuses import ACTIVE, AppointmentStatus, SlotStatus, WaitStatus

#: This service's Alembic migrations (run by boot, `clinic-<service> migrate` and `make run`).
MIGRATIONS = "services.booking:migrations"

SERVICE = "booking"


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    """Booking's outbox; ``patient_id`` finds a patient's events when they are erased."""

    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


outbox = Outbox(OutboxMessage, source=SERVICE)


class StaffTokens(StaffTokensMixin, Base):
    """Which staff tokens are void, as schedule told us."""


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
    specialty: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
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
    status: Mapped[str] = mapped_column(String(12), default=SlotStatus.ACTIVE)
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


_ACTIVE_APPOINTMENT = text("status IN ({})".format(", ".join(f"'{s}'" for s in sorted(ACTIVE))))
_HOLDS_A_SEAT = text(f"status <> '{AppointmentStatus.CANCELLED}'")


class Patient(Base):
    """A patient: the same phone and the same name (``name_key``) are the same patient;
    a family sharing a phone is several patients. Erased patients keep their row, with
    nothing personal left, so counts stay true."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    mobile: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: agreed to a satisfaction call-back after a visit (SPEC §15); off unless given
    satisfaction_consent: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=text("false"))
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sex: Mapped[str | None] = mapped_column(String(8), nullable=True)
    guardian_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index(refuse_on("uq_patients_phone_name", "patient_exists",
                        "Another patient already has this phone number and name; book them "
                        "by their id."), "phone", "name_key", unique=True),
    )


class Hold(Base):
    """A place kept for one consultant while the patient confirms."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    consultant: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12))  # HoldStatus
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # status: AppointmentStatus
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
    #: The consultant's name as their token gave it, for the manager's stats.
    booked_by_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
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
        Index(refuse_on("uq_appointments_patient_expert_day", "duplicate",
                        "The patient already has an appointment with this expert on this day."),
              "patient_id", "expert_id", "day",
              unique=True, postgresql_where=_ACTIVE_APPOINTMENT,
              sqlite_where=_ACTIVE_APPOINTMENT),
        Index(refuse_on("uq_appointments_slot_seat", "conflict",
                        "The slot changed at the same moment; look at it again and retry."),
              "slot_id", "seat", unique=True,
              postgresql_where=_HOLDS_A_SEAT, sqlite_where=_HOLDS_A_SEAT),
    )


_WAITING = text(f"status = '{WaitStatus.WAITING}'")


class WaitlistEntry(Base):
    """A patient waiting for a place with one expert on one day (候补), first come first
    served. When a place on that day frees, the first waiting entry is booked in the same
    transaction; the entry ends at the day's booking cut-off."""

    __tablename__ = "waitlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    complaint: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    added_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))  # WaitStatus
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_waitlist_expert_day", "expert_id", "day", "status", "id"),
        # one waiting entry per patient per expert-day, whatever two desks do at once
        Index(refuse_on("uq_waitlist_patient_expert_day", "already_waiting",
                        "The patient is already on this list."),
              "patient_id", "expert_id", "day",
              unique=True, postgresql_where=_WAITING, sqlite_where=_WAITING),
    )


class PatientLink(Base):
    """The short link a patient's messages carry: a random token (65 bits) that names one
    appointment until a day after the visit. It is kept here, not signed, so the link
    stays short enough for an SMS and can be withdrawn (an erasure deletes it)."""

    __tablename__ = "patient_links"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(Integer, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


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


class AccessRecord(Base):
    """Who saw a patient's full contact data or changed their record, when, and what.

    Append-only: no code updates or deletes a row, and the database refuses it too
    (triggers made by the migration).
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff: Mapped[str] = mapped_column(String(60), index=True)
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(200), default="")


class IdempotencyRecord(IdempotencyMixin, Base):
    """The answer given to a create call with an ``Idempotency-Key``, to give it again."""
