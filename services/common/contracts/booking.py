"""Events booking publishes: what happened to an appointment, with every fact a message says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .base import Contract
from .schedule import HospitalUpdated

HospitalFacts = HospitalUpdated


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
class AppointmentEvent(Contract):
    """The facts every ``booking.appointment.*`` event carries."""

    appointment_id: int
    code: str
    status: str
    queue_number: int
    channel: str
    overbooked: bool
    booked_by: str
    slot: SlotTime
    time_zone: str
    expert: ExpertRef
    department: DepartmentRef | None
    patient: PatientContact
    hospital: HospitalFacts | None
    patient_link: str


@dataclass(frozen=True)
class AppointmentBooked(AppointmentEvent):
    TYPE = "booking.appointment.booked"

    #: Booked from the waitlist when a place freed (the patient was not on the line).
    from_waitlist: bool = False


@dataclass(frozen=True)
class Alternative:
    """A bookable place offered instead of one the hospital cancelled."""

    slot_id: int
    expert_id: int
    expert_name: str
    start: datetime
    remaining: int


@dataclass(frozen=True)
class Cancellation:
    reason: str
    note: str | None
    by: str
    alternatives: list[Alternative]


@dataclass(frozen=True)
class AppointmentCancelled(AppointmentEvent):
    TYPE = "booking.appointment.cancelled"

    cancellation: Cancellation


@dataclass(frozen=True)
class PreviousPlace:
    slot: SlotTime
    expert: ExpertRef
    department: DepartmentRef | None
    queue_number: int


@dataclass(frozen=True)
class AppointmentRescheduled(AppointmentEvent):
    TYPE = "booking.appointment.rescheduled"

    previous: PreviousPlace


@dataclass(frozen=True)
class ConfirmationRequested(AppointmentEvent):
    """The desk asked for the confirmation to be sent again (the patient lost it)."""

    TYPE = "booking.appointment.confirmation_requested"


@dataclass(frozen=True)
class AppointmentCheckedIn(AppointmentEvent):
    TYPE = "booking.appointment.checked_in"


@dataclass(frozen=True)
class CheckInUndone(AppointmentEvent):
    TYPE = "booking.appointment.check_in_undone"


@dataclass(frozen=True)
class AppointmentNoShow(AppointmentEvent):
    TYPE = "booking.appointment.no_show"


@dataclass(frozen=True)
class NoShowUndone(AppointmentEvent):
    TYPE = "booking.appointment.no_show_undone"


@dataclass(frozen=True)
class AppointmentCompleted(AppointmentEvent):
    TYPE = "booking.appointment.completed"


@dataclass(frozen=True)
class PatientErased(Contract):
    """A patient asked to be forgotten (PIPL): every service removes what it keeps of
    them. It names them by id only, so the event itself holds nothing personal."""

    TYPE = "booking.patient.erased"

    patient_id: int
    appointment_ids: list[int]
