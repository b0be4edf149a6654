"""One appointment, described once: every view and event of it is derived from this.

A request loads an :class:`AppointmentFacts` once (or builds it from what it
just wrote); the event it publishes (``wire.py``), the answer staff see, the page the
patient sees and the confirmation text all come from the same frozen value. The values
here are booking's own: the wire's contracts are made from them in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.common.hospital import Hospital

from .statuses import AppointmentStatus


@dataclass(frozen=True)
class SlotTime:
    slot_id: int
    start: datetime
    end: datetime
    date: date
    session: str


@dataclass(frozen=True)
class ExpertRef:
    id: int
    name: str
    title: str
    fee: str


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    name: str
    location: str


@dataclass(frozen=True)
class PatientContact:
    """Who to tell: ``mobile`` says whether the phone can receive an SMS at all."""

    id: int
    name: str
    phone: str
    mobile: bool
    email: str | None
    sms_consent: bool
    email_consent: bool
    #: agreed at booking to a satisfaction call-back after the visit (SPEC §15); events
    #: published before the field existed carry none, read as no consent
    satisfaction_consent: bool = False


@dataclass(frozen=True)
class AppointmentFacts:
    id: int
    code: str
    status: AppointmentStatus
    queue_number: int
    channel: str
    overbooked: bool
    overbook_reason: str | None
    override_reason: str | None
    complaint: str
    booked_by: str
    created_at: datetime
    checked_in_at: datetime | None
    cancel_reason: str | None
    cancel_note: str | None
    visit_ends: datetime
    slot: SlotTime
    expert: ExpertRef
    department: DepartmentRef | None
    patient: PatientContact
    hospital: Hospital | None
    zone: ZoneInfo

    @property
    def local_start(self) -> datetime:
        return self.slot.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.slot.end.astimezone(self.zone)
