"""Notify's tables (SQLAlchemy 2 typed models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.access_records import AccessRecordMixin
from services.common.db import UTCDateTime
from services.common.hospital_copy import HospitalCopyMixin
from services.common.inbox import DeadLetterMixin, InboxMixin
from services.common.staff_copy import StaffTokensMixin

from .domain.statuses import MessageStatus

#: This service's Alembic migrations (run by boot, `clinic-<service> migrate` and `make run`).
MIGRATIONS = "services.notify:migrations"

SERVICE = "notify"


class Base(DeclarativeBase):
    pass


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class AccessRecord(AccessRecordMixin, Base):
    """Who exported a patient's messages (full contact, texts), and when (append-only)."""


class StaffTokens(StaffTokensMixin, Base):
    """Which staff tokens are void, as schedule told us."""


class Hospital(HospitalCopyMixin, Base):
    """Notify's copy of the hospital's facts."""


_DUE = text(f"status = '{MessageStatus.QUEUED}'")


class Message(Base):
    """One SMS or email to a patient, from its rendering to its delivery receipt.

    ``(event_id, channel, template)`` is unique: a redelivered event can never
    make a second message.
    """

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(120))
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The event's facts and the invite's sequence, to render the message again when it is
    #: sent (a reminder says the hospital's address as it is then). Erased with the text.
    facts: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: An SMS's registered template as filled — kind, provider, template code, variables
    #: in order, signature (JSON) — so a message claimed again after a crash hands the
    #: provider the same call. Erased with the text.
    sms_call: Mapped[str | None] = mapped_column(Text, nullable=True)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Set when a sender claims the message to hand it over, cleared when the outcome is
    #: written: still set at the next claim means a sender died in between, and the
    #: provider is asked whether it already has the message before it is sent again.
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The W3C ``traceparent`` of the handling that planned it (NULL with tracing off).
    trace_context: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        UniqueConstraint("event_id", "channel", "template", name="uq_messages_once"),
        Index("ix_messages_due", "send_after", postgresql_where=_DUE, sqlite_where=_DUE),
    )


class EarlyReceipt(Base):
    """A delivery receipt that came before its message was recorded as sent.

    A carrier can report delivery before the sender has written the gateway's id for
    the message; the receipt waits here and is applied once that id is written
    (``ops.receipts.apply_early_receipts``). It names no one: a gateway id and a status.
    """

    __tablename__ = "early_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Appointment(Base):
    """What notify knows of an appointment: enough to withdraw reminders and version .ics."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(12))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suppression(Base):
    """A patient who said no: nothing more goes to this phone or address on this channel."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(40))  # api | keyword
    note: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("channel", "recipient", name="uq_suppressions"),)


class DevOutboxItem(Base):
    """What the dev providers "sent": shown on the outbox page instead of reaching anyone."""

    __tablename__ = "dev_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_ref: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Installation(Base):
    """This installation's own token, made once: calendar UIDs carry it, so two hospitals'
    appointment 12 are two events in a patient's calendar, not one."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
