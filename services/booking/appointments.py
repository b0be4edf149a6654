"""Holds and appointments: every change in one transaction with its event.

Each function takes the caller's session and a :class:`Desk`, applies the rules
of ``domain/``, changes places through ``places`` (one conditional UPDATE each)
and adds its event to the outbox. The caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.db import keep_loaded

from . import patient_link, places
from .desk import Desk
from .domain.codes import new_code
from .domain.patients import PatientDetails
from .domain.rules import RuleBroken, next_status
from .models import (
    Appointment,
    Department,
    Expert,
    Hold,
    Patient,
    Slot,
    StatusChange,
    outbox,
)

BOOKED = "booking.appointment.booked"
CANCELLED = "booking.appointment.cancelled"
RESCHEDULED = "booking.appointment.rescheduled"
STATUS_EVENTS = {
    "check_in": "booking.appointment.checked_in",
    "undo_check_in": "booking.appointment.check_in_undone",
    "no_show": "booking.appointment.no_show",
    "undo_no_show": "booking.appointment.no_show_undone",
    "complete": "booking.appointment.completed",
}


class NotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")
        self.what = what


class Forbidden(Exception):
    pass


class Duplicate(RuleBroken):
    """The patient already has an active appointment with this expert that day."""

    def __init__(self, existing: Appointment) -> None:
        super().__init__("duplicate", "The patient already has an appointment with this expert "
                         "on this day.")
        # plain facts: the session is rolled back before anyone reads them
        self.existing = {"id": existing.id, "code": existing.code, "status": existing.status,
                         "slot_id": existing.slot_id, "date": existing.day.isoformat(),
                         "queue_number": existing.queue_number}


@dataclass
class BookingRequest:
    patient: PatientDetails
    channel: str
    slot_id: int | None = None
    hold_id: str | None = None
    complaint: str = ""
    override_reason: str | None = None
    walk_in: bool = False
    overbook_reason: str | None = None


# --- holds -------------------------------------------------------------------------------------

def place_hold(session: Session, desk: Desk, slot_id: int) -> Hold:
    """Keep one place for the consultant for ``hold_seconds``; 409 when the slot is full."""
    slot = _open_slot(session, slot_id)
    desk.window.check(desk.now, slot.day, slot.start_at, desk.zone)
    places.expire_holds(session, desk.now, slot_id)
    if not places.take_held_place(session, slot_id):
        raise RuleBroken("slot_full", "This slot is full.")
    hold = Hold(id=str(uuid.uuid4()), slot_id=slot_id, consultant=desk.by, status="active",
                created_at=desk.now,
                expires_at=desk.now + timedelta(seconds=desk.settings.hold_seconds))
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, desk: Desk, hold_id: str) -> None:
    """Give a held place back. Only the consultant who holds it may."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("hold")
    if hold.consultant != desk.by:
        raise Forbidden("Only the consultant who holds this place can release it.")
    if places.end_hold(session, hold_id, "released", desk.now):
        places.free_held_place(session, hold.slot_id)


# --- booking -----------------------------------------------------------------------------------

def book(session: Session, desk: Desk, request: BookingRequest) -> Appointment:
    """Book a place from a slot or from the consultant's own hold."""
    hold = _usable_hold(session, desk, request) if request.hold_id else None
    slot_id = hold.slot_id if hold else request.slot_id
    if slot_id is None:
        raise RuleBroken("slot_required", "Give a slot_id or a hold_id.", status=422)
    slot = _open_slot(session, slot_id)
    if not request.walk_in:
        if hold is None:
            desk.window.check(desk.now, slot.day, slot.start_at, desk.zone)
        elif desk.now >= desk.window.closes_at(slot.start_at):
            raise RuleBroken("closed", "Booking for this slot has closed.")
    patient, new = remember_patient(session, desk, request.patient)
    if not new:  # a patient first seen now has no appointments to duplicate or miss
        _refuse_duplicate(session, patient.id, slot.expert_id, slot.day)
        desk.no_shows.check(recent_no_shows(session, desk, patient.id), request.override_reason)

    overbooked = _take_place(session, desk, slot, hold, request)
    seat, queue_number = _seat(session, slot, overbooked)
    appointment = Appointment(
        code=_unused_code(session), slot_id=slot.id, expert_id=slot.expert_id,
        department_id=slot.department_id, day=slot.day, start_at=slot.start_at,
        session_end_at=slot.session_end_at, patient_id=patient.id,
        status="checked_in" if request.walk_in else "booked", seat=seat,
        queue_number=queue_number, overbooked=overbooked,
        overbook_reason=request.overbook_reason if overbooked else None,
        channel="walk_in" if request.walk_in else request.channel,
        complaint=request.complaint.strip(),
        override_reason=(request.override_reason or "").strip() or None,
        booked_by=desk.by, created_at=desk.now, updated_at=desk.now,
        checked_in_at=desk.now if request.walk_in else None,
    )
    session.add(appointment)
    session.flush()
    _record(session, desk, appointment, None, appointment.status,
            "walk_in" if request.walk_in else "book", request.override_reason)
    outbox.add(session, BOOKED, event_facts(session, desk, appointment))
    if request.walk_in:
        outbox.add(session, STATUS_EVENTS["check_in"], event_facts(session, desk, appointment))
    return appointment


def _usable_hold(session: Session, desk: Desk, request: BookingRequest) -> Hold:
    hold = session.get(Hold, request.hold_id)
    if hold is None:
        raise NotFound("hold")
    if hold.consultant != desk.by:
        raise Forbidden("This hold belongs to another consultant.")
    if request.slot_id is not None and request.slot_id != hold.slot_id:
        raise RuleBroken("hold_mismatch", "The hold is for another slot.", status=422)
    if hold.status != "active" or hold.expires_at <= desk.now:
        raise RuleBroken("hold_expired", "The hold has expired or was released; hold the "
                         "slot again if it still has room.")
    return hold


def _take_place(session: Session, desk: Desk, slot: Slot, hold: Hold | None,
                request: BookingRequest) -> bool:
    """Take the place; return True when it is beyond capacity (an overbooked walk-in)."""
    if hold is not None:
        if not places.end_hold(session, hold.id, "used", desk.now, only_if_unexpired=True):
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


def _seat(session: Session, slot: Slot, overbooked: bool) -> tuple[int, int]:
    """The lowest free seat of the slot and its queue number in the session (号序)."""
    taken = set(session.scalars(select(Appointment.seat).where(
        Appointment.slot_id == slot.id, Appointment.status != "cancelled")))
    if not overbooked:
        seat = next(n for n in range(1, slot.capacity + 1) if n not in taken)
        return seat, slot.seat_offset + seat
    seat = next(n for n in range(slot.capacity + 1, slot.capacity + 1000) if n not in taken)
    last = session.scalar(select(func.max(Appointment.queue_number)).where(
        Appointment.expert_id == slot.expert_id, Appointment.day == slot.day,
        Appointment.overbooked.is_(True)))
    return seat, max(last or 0, slot.session_places) + 1


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


def _open_slot(session: Session, slot_id: int) -> Slot:
    """The slot, with its expert and department read in the same query (the event and
    the answer need them)."""
    row = session.execute(
        select(Slot, Expert, Department).join(Expert, Expert.id == Slot.expert_id)
        .outerjoin(Department, Department.id == Slot.department_id)
        .where(Slot.id == slot_id)).first()
    if row is None:
        raise NotFound("slot")
    keep_loaded(session, *row)
    slot = row[0]
    if slot.status != "active":
        raise RuleBroken("slot_cancelled", "This slot was cancelled by the hospital.")
    return slot


def remember_patient(session: Session, desk: Desk,
                     details: PatientDetails) -> tuple[Patient, bool]:
    """The patient with this phone, created or updated with what they told us now; and
    whether they are new. (Two first bookings of one new phone at once: the unique phone
    lets one insert win and the other fail, so "new" is never wrong.)"""
    patient = session.scalar(select(Patient).where(Patient.phone == details.phone))
    new = patient is None
    if patient is None:
        patient = Patient(phone=details.phone, created_at=desk.now)
        session.add(patient)
    keep_loaded(session, patient)
    patient.name = details.name
    patient.email = details.email
    patient.sms_consent = details.sms_consent
    patient.email_consent = details.email_consent
    patient.updated_at = desk.now
    session.flush()
    return patient, new


def _refuse_duplicate(session: Session, patient_id: int, expert_id: int, day: Any,
                      except_id: int | None = None) -> None:
    query = select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.expert_id == expert_id,
        Appointment.day == day, Appointment.status.in_(("booked", "checked_in")))
    if except_id is not None:
        query = query.where(Appointment.id != except_id)
    existing = session.scalar(query)
    if existing is not None:
        raise Duplicate(existing)


def recent_no_shows(session: Session, desk: Desk, patient_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.status == "no_show",
        Appointment.start_at >= desk.no_shows.since(desk.now))) or 0


# --- changes -----------------------------------------------------------------------------------

def get(session: Session, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    return appointment


def cancel(session: Session, desk: Desk, appointment: Appointment, reason: str,
           note: str | None = None, *, by_patient: bool = False,
           alternatives: list[dict[str, Any]] | None = None) -> Appointment:
    """Cancel and give the place back; the patient is told why (and where else to go)."""
    if reason != "expert_unavailable":
        if by_patient:
            desk.cancel_window.check_patient(desk.now, appointment.start_at)
        else:
            desk.cancel_window.check_staff(desk.now, appointment.start_at)
    before = appointment.status
    appointment.status = next_status(before, "cancel")
    _free_place(session, appointment)
    appointment.cancel_reason = reason
    appointment.cancel_note = note
    appointment.updated_at = desk.now
    _record(session, desk, appointment, before, "cancelled", "cancel", note or reason)
    facts = event_facts(session, desk, appointment)
    facts["cancellation"] = {"reason": reason, "note": note, "by": desk.by,
                             "alternatives": alternatives or []}
    outbox.add(session, CANCELLED, facts)
    return appointment


def reschedule(session: Session, desk: Desk, appointment: Appointment,
               slot_id: int) -> Appointment:
    """Move to another slot in one step: the new place is taken and the old one freed."""
    if appointment.status != "booked":
        raise RuleBroken("wrong_status", "Only a booked appointment can be rescheduled.")
    if slot_id == appointment.slot_id:
        raise RuleBroken("same_slot", "The appointment is already in this slot.", status=422)
    desk.cancel_window.check_staff(desk.now, appointment.start_at)
    slot = _open_slot(session, slot_id)
    desk.window.check(desk.now, slot.day, slot.start_at, desk.zone)
    _refuse_duplicate(session, appointment.patient_id, slot.expert_id, slot.day,
                      except_id=appointment.id)
    before = event_facts(session, desk, appointment)
    places.expire_holds(session, desk.now, slot.id)
    if not places.take_booked_place(session, slot.id):
        raise RuleBroken("slot_full", "This slot is full.")
    _free_place(session, appointment)
    seat, queue_number = _seat(session, slot, overbooked=False)
    appointment.slot_id, appointment.expert_id = slot.id, slot.expert_id
    appointment.department_id, appointment.day = slot.department_id, slot.day
    appointment.start_at, appointment.session_end_at = slot.start_at, slot.session_end_at
    appointment.seat, appointment.queue_number, appointment.overbooked = seat, queue_number, False
    appointment.updated_at = desk.now
    session.flush()
    _record(session, desk, appointment, "booked", "booked", "reschedule",
            f"from slot {before['slot']['slot_id']}")
    facts = event_facts(session, desk, appointment)
    facts["previous"] = {k: before[k] for k in ("slot", "expert", "department", "queue_number")}
    outbox.add(session, RESCHEDULED, facts)
    return appointment


def change_status(session: Session, desk: Desk, appointment: Appointment, action: str,
                  reason: str | None = None) -> Appointment:
    """Check-in, no-show, their undo, completion; each recorded and told."""
    if action == "check_in" and appointment.day != desk.today:
        raise RuleBroken("not_today", "Patients check in on the day of their visit.")
    if action == "no_show" and desk.now < appointment.start_at:
        raise RuleBroken("too_early", "The visit has not started yet.")
    if action.startswith("undo_") and not (reason or "").strip():
        raise RuleBroken("reason_required", "Say why the status is undone.", status=422)
    before = appointment.status
    appointment.status = next_status(before, action)
    appointment.checked_in_at = desk.now if action == "check_in" else (
        None if action == "undo_check_in" else appointment.checked_in_at)
    appointment.updated_at = desk.now
    _record(session, desk, appointment, before, appointment.status, action, reason)
    outbox.add(session, STATUS_EVENTS[action], event_facts(session, desk, appointment))
    return appointment


def _free_place(session: Session, appointment: Appointment) -> None:
    if appointment.overbooked:
        places.free_overbooked_place(session, appointment.slot_id)
    else:
        places.free_booked_place(session, appointment.slot_id)


def _record(session: Session, desk: Desk, appointment: Appointment, before: str | None,
            after: str, action: str, reason: str | None) -> None:
    session.add(StatusChange(appointment_id=appointment.id, from_status=before, to_status=after,
                             action=action, by=desk.by, reason=reason, at=desk.now))


# --- facts -------------------------------------------------------------------------------------

def link_for(desk: Desk, appointment: Appointment) -> str:
    token = patient_link.sign(desk.settings.jwt_secret, appointment.id, appointment.code,
                              appointment.session_end_at)
    return patient_link.url(desk.settings.booking_url, token)


def event_facts(session: Session, desk: Desk, appointment: Appointment) -> dict[str, Any]:
    """Everything a confirmation says, so notify never has to ask."""
    slot = session.get(Slot, appointment.slot_id)
    expert = session.get(Expert, appointment.expert_id)
    department = session.get(Department, appointment.department_id)
    patient = session.get(Patient, appointment.patient_id)
    assert slot is not None and expert is not None and patient is not None
    local_start = slot.start_at.astimezone(desk.zone)
    local_end = slot.end_at.astimezone(desk.zone)
    return {
        "appointment_id": appointment.id, "code": appointment.code,
        "status": appointment.status, "queue_number": appointment.queue_number,
        "channel": appointment.channel, "overbooked": appointment.overbooked,
        "booked_by": appointment.booked_by,
        "slot": {"slot_id": slot.id, "start": _iso(slot.start_at), "end": _iso(slot.end_at),
                 "date": slot.day.isoformat(), "local_start": local_start.strftime("%H:%M"),
                 "local_end": local_end.strftime("%H:%M"), "session": slot.session},
        "time_zone": desk.zone.key,
        "expert": {"id": expert.id, "name": expert.name, "title": expert.title,
                   "fee": f"{expert.fee:.2f}"},
        "department": {"id": department.id, "name": department.name,
                       "location": department.location} if department else None,
        "patient": {"name": patient.name, "phone": patient.phone, "email": patient.email,
                    "sms_consent": patient.sms_consent,
                    "email_consent": patient.email_consent},
        "hospital": desk.hospital,
        "patient_link": link_for(desk, appointment),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")




# --- timers ------------------------------------------------------------------------------------

def expire_stale_holds(session: Session, desk: Desk) -> int:
    """Give back every place whose hold ran out (the worker calls this every few seconds)."""
    return places.expire_holds(session, desk.now)


def mark_no_shows(session: Session, desk: Desk, limit: int = 500) -> int:
    """Patients not checked in ``no_show_grace_minutes`` after their session ended."""
    cutoff = desk.now - timedelta(minutes=desk.settings.no_show_grace_minutes)
    missed = session.scalars(select(Appointment).where(
        Appointment.status == "booked", Appointment.session_end_at <= cutoff)
        .order_by(Appointment.session_end_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    for appointment in missed:
        change_status(session, desk, appointment, "no_show",
                      "not checked in by the end of the session")
    return len(missed)
