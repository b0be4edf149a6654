"""Booking a place: from a slot, from the consultant's hold, or at the counter (walk-in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentBooked, AppointmentCheckedIn
from services.common.db import keep_loaded, rows_together

from ..domain.facts import AppointmentFacts
from ..domain.patients import PatientRequest
from ..domain.privacy import Access
from ..domain.rules import (
    BookingDesk,
    Duplicate,
    Forbidden,
    Invalid,
    NotFound,
    RuleBroken,
    check_walk_in,
)
from ..domain.statuses import (
    ACTIVE,
    Action,
    AppointmentStatus,
    HoldStatus,
    SlotStatus,
    WaitStatus,
)
from ..models import Appointment, Department, Expert, Hold, Slot, WaitlistEntry
from ..reads.appointments import facts_of
from . import places
from .access import record_access
from .history import record
from .links import new_link
from .patients import remember_patient
from .seats import insert_appointment
from .telling import tell


@dataclass
class BookingRequest:
    patient: PatientRequest
    channel: str
    slot_id: int | None = None
    hold_id: str | None = None
    complaint: str = ""
    override_reason: str | None = None
    walk_in: bool = False
    overbook_reason: str | None = None
    from_waitlist: bool = False
    by_name: str = ""  # the consultant's name, as their token says


#: A slot with its expert and department, as one joined read gives them.
SlotAtHand = tuple[Slot, Expert, Department | None]


def book(session: Session, desk: BookingDesk, request: BookingRequest,
         seen: SlotAtHand | None = None) -> AppointmentFacts:
    """Book a place from a slot or from the consultant's own hold. ``seen`` is the slot as
    :func:`refuse_early` read it in this request: its times, capacity and expert are read
    once; its status and free places are checked again by the statement taking the place.

    The history, access log, link and outbox rows go to the database together, when the
    booking is complete (one statement on PostgreSQL)."""
    with rows_together(session):
        return _book(session, desk, request, seen)


def _book(session: Session, desk: BookingDesk, request: BookingRequest,
          seen: SlotAtHand | None) -> AppointmentFacts:
    hold = _usable_hold(session, desk, request) if request.hold_id else None
    slot_id = hold.slot_id if hold else request.slot_id
    if slot_id is None:
        raise Invalid("slot_required", "Give a slot_id or a hold_id.")
    if seen is not None and seen[0].id == slot_id:
        slot, expert, department = seen
    else:
        slot, expert, department = open_slot(session, slot_id)
    if request.walk_in:
        check_walk_in(desk.today, slot.day, desk.now, slot.end_at)
    else:
        if hold is None:
            desk.rules.window.check(desk.now, slot.day, slot.start_at, desk.zone)
        elif desk.now >= desk.rules.window.closes_at(slot.start_at):
            raise RuleBroken("closed", "Booking for this slot has closed.")
    patient, new = remember_patient(session, desk, request.patient)
    if not new:  # a patient first seen now has no appointments to duplicate or miss
        refuse_duplicate(session, patient.id, slot.expert_id, slot.day)
        desk.rules.no_shows.check(recent_no_shows(session, desk, patient.id),
                                  request.override_reason)

    overbooked = _take_place(session, desk, slot, hold, request)
    status = AppointmentStatus.CHECKED_IN if request.walk_in else AppointmentStatus.BOOKED
    appointment = insert_appointment(session, slot, overbooked, dict(
        slot_id=slot.id, expert_id=slot.expert_id,
        department_id=slot.department_id, day=slot.day, start_at=slot.start_at,
        session_end_at=slot.session_end_at, patient_id=patient.id, status=status,
        overbooked=overbooked,
        overbook_reason=request.overbook_reason if overbooked else None,
        channel="walk_in" if request.walk_in else request.channel,
        complaint=request.complaint.strip(),
        override_reason=(request.override_reason or "").strip() or None,
        booked_by=desk.by, booked_by_name=request.by_name or desk.by, created_at=desk.now,
        updated_at=desk.now, cancel_reason=None, cancel_note=None,
        checked_in_at=desk.now if request.walk_in else None,
    ))
    record(session, desk, appointment.id, None, status,
           Action.WALK_IN if request.walk_in else Action.BOOK, request.override_reason)
    facts = facts_of(appointment, slot, expert, department, patient, desk)
    record_access(session, desk, patient.id, Access.BOOK, appointment.code)
    if not new:  # nor is a patient first seen now on any waiting list
        _served(session, desk, patient.id, appointment)
    new_link(session, desk, facts)  # no appointment this new has one to look for
    tell(session, desk, facts, AppointmentBooked, from_waitlist=request.from_waitlist)
    if request.walk_in:
        tell(session, desk, facts, AppointmentCheckedIn)
    return facts


def refuse_early(session: Session, desk: BookingDesk, request: BookingRequest) -> SlotAtHand | None:
    """What a read can refuse, before any write lock is taken: an unknown, stopped, closed
    or full slot. Under a rush for the last places, the many who arrive after them are
    answered at the pace of a read instead of queueing behind the writers. The write path
    checks the slot's status and room again in the statement taking the place; a place
    freed in between is simply not seen here. Returns the slot read, for the booking."""
    if request.hold_id is not None or request.slot_id is None:
        return None  # a hold already keeps its place
    if request.walk_in and (request.overbook_reason or "").strip():
        return None  # the front desk may add a walk-in beyond capacity
    seen = _slot_with_names(session, request.slot_id)
    refuse_if_shut(session, desk, seen[0], walk_in=request.walk_in)
    return seen


def refuse_from_memory(session: Session, desk: BookingDesk, request: BookingRequest,
                       shut: Callable[[int], Slot | None]) -> None:
    """:func:`refuse_early` for a slot this process knows is shut (``shut``: stopped, or
    full by its booked places, as :mod:`..reads.shut` keeps them): the same checks in the
    same order on the slot as kept, so the same refusal, with no database round trip. A
    slot not known shut passes, to be read from the database."""
    if request.hold_id is not None or request.slot_id is None:
        return
    if request.walk_in and (request.overbook_reason or "").strip():
        return
    slot = shut(request.slot_id)
    if slot is not None:
        refuse_if_shut(session, desk, slot, walk_in=request.walk_in)


def refuse_if_shut(session: Session, desk: BookingDesk, slot: Slot, *,
                   walk_in: bool = False) -> None:
    if slot.status != SlotStatus.ACTIVE:
        raise RuleBroken("slot_cancelled", "This slot was cancelled by the hospital.")
    if walk_in:
        check_walk_in(desk.today, slot.day, desk.now, slot.end_at)
    else:
        desk.rules.window.check(desk.now, slot.day, slot.start_at, desk.zone)
    if slot.booked + slot.held < slot.capacity:
        return
    if slot.booked >= slot.capacity:  # the rush's late arrivals: no hold can change it
        raise RuleBroken("slot_full", "This slot is full.")
    live = session.scalar(select(func.count()).select_from(Hold).where(
        Hold.slot_id == slot.id, Hold.status == HoldStatus.ACTIVE,
        Hold.expires_at > desk.now)) or 0
    if slot.booked + live >= slot.capacity:
        raise RuleBroken("slot_full", "This slot is full.")


def _served(session: Session, desk: BookingDesk, patient_id: int, appointment: Appointment) -> None:
    """Booked with the expert that day, however it came about: the patient no longer waits
    on that day's list."""
    session.execute(update(WaitlistEntry).where(
        WaitlistEntry.patient_id == patient_id, WaitlistEntry.expert_id == appointment.expert_id,
        WaitlistEntry.day == appointment.day, WaitlistEntry.status == WaitStatus.WAITING)
        .values(status=WaitStatus.BOOKED, appointment_id=appointment.id, ended_at=desk.now)
        .execution_options(synchronize_session=False))


def _usable_hold(session: Session, desk: BookingDesk, request: BookingRequest) -> Hold:
    hold = session.get(Hold, request.hold_id)
    if hold is None:
        raise NotFound("hold")
    if hold.consultant != desk.by:
        raise Forbidden(message="This hold belongs to another consultant.")
    if request.slot_id is not None and request.slot_id != hold.slot_id:
        raise Invalid("hold_mismatch", "The hold is for another slot.")
    if hold.status != HoldStatus.ACTIVE or hold.expires_at <= desk.now:
        raise RuleBroken("hold_expired", "The hold has expired or was released; hold the "
                         "slot again if it still has room.")
    return hold


def _take_place(session: Session, desk: BookingDesk, slot: Slot, hold: Hold | None,
                request: BookingRequest) -> bool:
    """Take the place; return True when it is beyond capacity (an overbooked walk-in)."""
    if hold is not None:
        if not places.end_hold(session, hold.id, HoldStatus.USED, desk.now,
                               only_if_unexpired=True):
            raise RuleBroken("hold_expired", "The hold expired just now; hold the slot again.")
        if not places.turn_held_into_booked(session, slot.id):
            raise RuleBroken("hold_expired", "The hold's place is gone; hold the slot again.")
        return False
    if slot.held:  # no hold when the slot was read means none can have run out since
        places.expire_holds(session, desk.now, slot.id)
    if places.take_booked_place(session, slot.id):
        return False
    wants_overbook = request.walk_in and bool((request.overbook_reason or "").strip())
    if wants_overbook and places.take_overbooked_place(session, slot.id):
        return True
    raise RuleBroken("slot_full", "This slot is full.")


def open_slot(session: Session, slot_id: int) -> SlotAtHand:
    """The slot with its expert and department, read in one query (the event and the
    answer need them); refused when the hospital cancelled it."""
    slot, expert, department = _slot_with_names(session, slot_id)
    if slot.status != SlotStatus.ACTIVE:
        raise RuleBroken("slot_cancelled", "This slot was cancelled by the hospital.")
    return slot, expert, department


#: Built once: every booking reads its slot so, and building the query cost a third of
#: running it.
SLOT_WITH_NAMES = (select(Slot, Expert, Department).join(Expert, Expert.id == Slot.expert_id)
                   .outerjoin(Department, Department.id == Slot.department_id)
                   .where(Slot.id == bindparam("slot_id")))


def _slot_with_names(session: Session, slot_id: int) -> SlotAtHand:
    row = session.execute(SLOT_WITH_NAMES, {"slot_id": slot_id}).first()
    if row is None:
        raise NotFound("slot")
    slot, expert, department = row
    keep_loaded(session, slot, expert, department)
    return slot, expert, department


def refuse_duplicate(session: Session, patient_id: int, expert_id: int, day: date,
                     except_id: int | None = None) -> None:
    query = select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.expert_id == expert_id,
        Appointment.day == day, Appointment.status.in_(ACTIVE))
    if except_id is not None:
        query = query.where(Appointment.id != except_id)
    existing = session.scalar(query)
    if existing is not None:
        raise Duplicate({"id": existing.id, "code": existing.code, "status": existing.status,
                         "slot_id": existing.slot_id, "date": existing.day.isoformat(),
                         "queue_number": existing.queue_number})


def recent_no_shows(session: Session, desk: BookingDesk, patient_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.status == AppointmentStatus.NO_SHOW,
        Appointment.start_at >= desk.rules.no_shows.since(desk.now))) or 0
