"""Schedule's tables (SQLAlchemy 2 typed models)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.db import UTCDateTime
from services.common.hospital_copy import HospitalCopyMixin
from services.common.outbox import Outbox, OutboxMixin

from .domain.statuses import SlotStatus

#: This service's Alembic migrations (run by boot, `clinic-<service> migrate` and `make run`).
MIGRATIONS = "services.schedule:migrations"

SERVICE = "schedule"


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


outbox = Outbox(OutboxMessage, source=SERVICE)


class StaffMember(Base):
    """A member of staff who signs in; ``roles`` is a comma-separated list."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Raised by a password reset, a change of roles or a deactivation: every token
    #: issued before carries a lower version and is refused by every service.
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def role_list(self) -> tuple[str, ...]:
        return tuple(r for r in self.roles.split(",") if r)


class SignInFailure(Base):
    """Wrong passwords counted per account (``user:NAME``) and per address (``addr:IP``),
    in the database so every web process of schedule sees the same counts. An account's
    row is locked while its password is checked, so parallel tries are counted one by
    one (``ops/sign_in.py``)."""

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: An address: when its window of counting began. An account: its first failure.
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: No try is checked before this time (429 with ``Retry-After``).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The latest failure: an account's count is forgotten a while after it.
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RevokedToken(Base):
    """A token ended by signing out (its ``jti``), kept until it would have expired."""

    __tablename__ = "revoked_tokens"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Hospital(HospitalCopyMixin, Base):
    """The hospital's facts; there is one row, with id 1 (the others keep copies of it)."""


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Expert(Base):
    """A doctor who sees patients in sessions; ``fee`` is the registration fee."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    specialty: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship(lazy="joined")


class Template(Base):
    """One weekly session of an expert (wall-clock times in the hospital's zone)."""

    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity_per_slot: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


_ACTIVE_ONLY = text(f"status = '{SlotStatus.ACTIVE}'")


class Slot(Base):
    """A published window of an expert's time; booking sells its places."""

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"))
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    session: Mapped[str] = mapped_column(String(11), default="", server_default="")  # 08:00-11:30
    status: Mapped[str] = mapped_column(String(12), default=SlotStatus.ACTIVE)
    origin: Mapped[str] = mapped_column(String(12))  # SlotOrigin
    cancel_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    leave_id: Mapped[int | None] = mapped_column(ForeignKey("leaves.id"), nullable=True)
    extra_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("extra_sessions.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_slots_expert_day", "expert_id", "day"),
        Index("ix_slots_day", "day"),
        Index("uq_slots_active_start", "expert_id", "start_at", unique=True,
              postgresql_where=_ACTIVE_ONLY, sqlite_where=_ACTIVE_ONLY),
    )


class PublishedDay(Base):
    """An expert-day whose template slots were published; after that it changes only
    through leave and extra sessions, so no booked place disappears silently."""

    __tablename__ = "published_days"

    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Leave(Base):
    """An expert away for a day, or for part of one (``start``/``end``)."""

    __tablename__ = "leaves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time | None] = mapped_column(Time, nullable=True)
    end: Mapped[time | None] = mapped_column(Time, nullable=True)
    reason: Mapped[str] = mapped_column(String(400))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExtraSession(Base):
    """A session outside the weekly templates, added for one date."""

    __tablename__ = "extra_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity_per_slot: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(400), default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


