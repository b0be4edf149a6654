"""Events schedule publishes: the hospital, its directory, and the slots it opens or closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .base import Contract


@dataclass(frozen=True)
class HospitalUpdated(Contract):
    """The facts patients read in their messages; consumers keep a copy."""

    TYPE = "schedule.hospital.updated"

    name: str
    address: str
    directions: str
    phone: str
    time_zone: str
    language: str


@dataclass(frozen=True)
class DepartmentUpdated(Contract):
    TYPE = "schedule.department.updated"

    id: int
    code: str
    name: str
    location: str
    active: bool


@dataclass(frozen=True)
class ExpertUpdated(Contract):
    TYPE = "schedule.expert.updated"

    id: int
    code: str
    name: str
    title: str
    department_id: int
    fee: str
    active: bool
    specialty: str = ""
    bio: str = ""


@dataclass(frozen=True)
class PublishedSlot:
    slot_id: int
    start: datetime
    end: datetime
    capacity: int
    session: str


@dataclass(frozen=True)
class SlotsPublished(Contract):
    """One expert's new slots on one date (template publishing or an extra session)."""

    TYPE = "schedule.slots.published"

    expert: ExpertUpdated
    department: DepartmentUpdated
    date: date
    time_zone: str
    origin: str
    slots: list[PublishedSlot]


@dataclass(frozen=True)
class SlotsCancelled(Contract):
    """Slots taken off by leave; ``reason`` is the admin's, shown to staff and patients."""

    TYPE = "schedule.slots.cancelled"

    expert: ExpertUpdated
    department: DepartmentUpdated
    date: date
    time_zone: str
    reason: str
    leave_id: int
    slot_ids: list[int]
    slots: list[PublishedSlot]


@dataclass(frozen=True)
class StaffChanged(Contract):
    """A staff member's tokens before ``token_version`` are void; an inactive member's are
    all void. Sent when an account is made, its password reset, its roles changed, or it
    is deactivated; and when the member signs out, naming the one token that ended
    (``signed_out``, its id, valid until ``signed_out_until``): that token is void
    everywhere, the member's other tokens stand."""

    TYPE = "schedule.staff.changed"

    username: str
    token_version: int
    active: bool
    signed_out: str = ""
    signed_out_until: datetime | None = None
