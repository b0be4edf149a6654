"""What a message is about: one visit, as notify tells a patient of it.

Notify's own values, not booking's event classes: the templates, the calendar invite and
the planner read these, and :mod:`services.notify.wire` is the one place that makes them
from the events. The expert, the department and the hospital keep every fact the events
gave templates before (a hospital's own templates may name any of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.common.hospital import Hospital


class Happened(StrEnum):
    """What happened to the visit, as the message that tells it."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    CONFIRMATION_ASKED = "confirmation_requested"  # the confirmation again, nothing new


@dataclass(frozen=True)
class Expert:
    id: int
    name: str
    title: str
    fee: str


@dataclass(frozen=True)
class Department:
    id: int
    name: str
    location: str


@dataclass(frozen=True)
class Patient:
    """Who to tell: ``mobile`` says whether the phone can receive an SMS at all."""

    id: int
    name: str
    phone: str
    mobile: bool
    email: str | None
    sms_consent: bool
    email_consent: bool


@dataclass(frozen=True)
class Offer:
    """A place offered instead of one the hospital cancelled."""

    slot_id: int
    expert_name: str
    start: datetime


@dataclass(frozen=True)
class Cancellation:
    reason: str
    note: str | None
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True)
class Visit:
    """One appointment and what just happened to it; times are UTC, told in ``zone``."""

    happened: Happened
    appointment_id: int
    code: str
    status: str
    queue_number: int
    start: datetime
    end: datetime
    time_zone: str
    expert: Expert
    department: Department | None
    patient: Patient
    hospital: Hospital | None
    link: str
    from_waitlist: bool = False
    cancellation: Cancellation | None = None
    previous_start: datetime | None = None  # where a moved visit was

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
