"""One appointment, described once: every view and event of it is derived from this.

A request loads an :class:`AppointmentFacts` once (or builds it from what it
just wrote); the event it publishes, the answer staff see, the page the patient
sees and the confirmation text all come from the same frozen value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from services.common.contracts.booking import (
    AppointmentEvent,
    DepartmentRef,
    ExpertRef,
    HospitalFacts,
    PatientContact,
    SlotTime,
)

from .statuses import AppointmentStatus

E = TypeVar("E", bound=AppointmentEvent)


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
    hospital: HospitalFacts | None
    zone: ZoneInfo

    @property
    def local_start(self) -> datetime:
        return self.slot.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.slot.end.astimezone(self.zone)

    def event(self, kind: type[E], patient_link: str, **extra: Any) -> E:
        """The event of kind ``kind`` telling what happened, with every fact it carries."""
        return kind(
            appointment_id=self.id, code=self.code, status=self.status.value,
            queue_number=self.queue_number, channel=self.channel, overbooked=self.overbooked,
            booked_by=self.booked_by, slot=self.slot, time_zone=self.zone.key,
            expert=self.expert, department=self.department, patient=self.patient,
            hospital=self.hospital, patient_link=patient_link, **extra)
