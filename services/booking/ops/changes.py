"""Changes to a booked appointment: cancel, move, check in, no-show, their undo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.booking import (
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentEvent,
    AppointmentNoShow,
    AppointmentRescheduled,
    CheckInUndone,
    ConfirmationRequested,
    NoShowUndone,
)

from ..domain.alternatives import Alternative
from ..domain.facts import AppointmentFacts
from ..domain.rules import BookingDesk, Invalid, NotFound, RuleBroken
from ..domain.statuses import (
    BY_THE_HOSPITAL,
    Action,
    AppointmentStatus,
    CancelReason,
    next_status,
)
from ..models import Appointment, StatusChange
from ..reads.alternatives import alternatives_for
from ..reads.appointments import load_facts
from ..wire import cancellation, previous_place
from . import places, waitlist
from .booking import open_slot, refuse_duplicate
from .history import record
from .seats import seat_in
from .telling import tell

STATUS_EVENTS: dict[Action, type[AppointmentEvent]] = {
    Action.CHECK_IN: AppointmentCheckedIn,
    Action.UNDO_CHECK_IN: CheckInUndone,
    Action.NO_SHOW: AppointmentNoShow,
    Action.UNDO_NO_SHOW: NoShowUndone,
    Action.COMPLETE: AppointmentCompleted,
}


def locked(session: Session, appointment_id: int) -> Appointment:
    """The appointment, its row locked until commit: two changes to one appointment at
    once (two cancels) are made one after the other, and the second sees the first."""
    appointment = session.scalar(
        select(Appointment).where(Appointment.id == appointment_id).with_for_update()
        .execution_options(populate_existing=True))
    if appointment is None:
        raise NotFound("appointment")
    return appointment


def cancel(session: Session, desk: BookingDesk, appointment_id: int, reason: CancelReason,
           note: str | None = None, *, by_patient: bool = False,
           alternatives: list[Alternative] | None = None,
           from_leave: bool = False) -> AppointmentFacts:
    """Cancel and give the place back; the patient is told why, and — when the hospital
    cancelled — where else to go, as a leave does."""
    appointment = locked(session, appointment_id)
    if not from_leave:  # a leave may stop a visit already under way
        if by_patient:
            desk.rules.cancel_window.check_patient(desk.now, appointment.start_at)
        else:
            desk.rules.cancel_window.check_staff(desk.now, appointment.start_at)
    if alternatives is None and reason in BY_THE_HOSPITAL:
        alternatives = [a for a in alternatives_for(
            session, desk, expert_id=appointment.expert_id,
            department_id=appointment.department_id, start=appointment.start_at, limit=4)
            if a.slot_id != appointment.slot_id][:3]
    before = appointment.status
    appointment.status = next_status(before, Action.CANCEL)
    _free_place(session, appointment)
    appointment.cancel_reason = reason.value
    appointment.cancel_note = note
    appointment.updated_at = desk.now
    record(session, desk, appointment.id, before, appointment.status, Action.CANCEL,
           note or reason.value)
    session.flush()
    facts = load_facts(session, desk, appointment.id)
    tell(session, desk, facts, AppointmentCancelled, cancellation=cancellation(
        reason.value, note, desk.by, alternatives or []))
    if not from_leave:  # a leave's slots are off sale: no place to give
        waitlist.places_freed(session, desk, [appointment.slot_id])
    return facts


def reschedule(session: Session, desk: BookingDesk, appointment_id: int,
               slot_id: int) -> AppointmentFacts:
    """Move to another slot in one step: the new place is taken and the old one freed."""
    appointment = locked(session, appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:
        raise RuleBroken("wrong_status", "Only a booked appointment can be rescheduled.")
    desk.rules.cancel_window.check_staff(desk.now, appointment.start_at)
    return _move(session, desk, appointment, slot_id, Action.RESCHEDULE)


def move_for_patient(session: Session, desk: BookingDesk, appointment_id: int, slot_id: int,
                     offered: set[int]) -> AppointmentFacts:
    """The patient takes one of the places their link offers: a booked visit moves (until
    their cut-off); a visit the hospital cancelled is booked again there."""
    appointment = locked(session, appointment_id)
    if slot_id not in offered:
        raise Invalid("not_offered", "This place is not one of those offered.")
    if appointment.status == AppointmentStatus.BOOKED:
        desk.rules.cancel_window.check_patient(desk.now, appointment.start_at)
        return _move(session, desk, appointment, slot_id, Action.RESCHEDULE)
    if appointment.status == AppointmentStatus.CANCELLED \
            and appointment.cancel_reason in BY_THE_HOSPITAL:
        return _move(session, desk, appointment, slot_id, Action.REBOOK)
    raise RuleBroken("wrong_status", "This appointment can no longer be changed.")


def _move(session: Session, desk: BookingDesk, appointment: Appointment, slot_id: int,
          action: Action) -> AppointmentFacts:
    if slot_id == appointment.slot_id:
        raise Invalid("same_slot", "The appointment is already in this slot.")
    slot, _, _ = open_slot(session, slot_id)
    desk.rules.window.check(desk.now, slot.day, slot.start_at, desk.zone)
    refuse_duplicate(session, appointment.patient_id, slot.expert_id, slot.day,
                     except_id=appointment.id)
    before = load_facts(session, desk, appointment.id)
    places.expire_holds(session, desk.now, slot.id)
    if not places.take_booked_place(session, slot.id):
        raise RuleBroken("slot_full", "This slot is full.")
    was = appointment.status
    if action == Action.RESCHEDULE:
        _free_place(session, appointment)  # a cancelled visit gave its place back already
    appointment.status = next_status(was, action) if action == Action.REBOOK else was
    appointment.cancel_reason = appointment.cancel_note = None
    seat, queue_number = seat_in(session, slot)
    appointment.slot_id, appointment.expert_id = slot.id, slot.expert_id
    appointment.department_id, appointment.day = slot.department_id, slot.day
    appointment.start_at, appointment.session_end_at = slot.start_at, slot.session_end_at
    appointment.seat, appointment.queue_number, appointment.overbooked = seat, queue_number, False
    appointment.updated_at = desk.now
    record(session, desk, appointment.id, was, appointment.status, action,
           f"from slot {before.slot.slot_id}")
    session.flush()
    facts = load_facts(session, desk, appointment.id)
    tell(session, desk, facts, AppointmentRescheduled, previous=previous_place(before))
    if action == Action.RESCHEDULE:  # the place left behind goes to whoever waits for it
        waitlist.places_freed(session, desk, [before.slot.slot_id])
    return facts


#: A confirmation is sent again at most this often: a double click is not two SMS.
RESEND_GAP = timedelta(minutes=2)


def resend_confirmation(session: Session, desk: BookingDesk,
                        appointment_id: int) -> AppointmentFacts:
    """Send the patient their confirmation again, through the usual channels and consents."""
    appointment = locked(session, appointment_id)
    if appointment.status != AppointmentStatus.BOOKED or appointment.start_at <= desk.now:
        raise RuleBroken("wrong_status", "Only an upcoming booked appointment is confirmed.")
    last = session.scalar(select(StatusChange.at).where(
        StatusChange.appointment_id == appointment.id, StatusChange.action == Action.RESEND)
        .order_by(StatusChange.at.desc()).limit(1))
    if last is not None and desk.now - last < RESEND_GAP:
        raise RuleBroken("resent_recently", "The confirmation was sent again a moment ago.")
    record(session, desk, appointment.id, appointment.status, appointment.status,
           Action.RESEND, None)
    facts = load_facts(session, desk, appointment.id)
    tell(session, desk, facts, ConfirmationRequested)
    return facts


def change_status(session: Session, desk: BookingDesk, appointment_id: int, action: Action,
                  reason: str | None = None) -> AppointmentFacts:
    """Check-in, no-show, their undo, completion; each recorded and told."""
    return _change_status(session, desk, locked(session, appointment_id), action, reason)


def _change_status(session: Session, desk: BookingDesk, appointment: Appointment, action: Action,
                   reason: str | None) -> AppointmentFacts:
    if action == Action.CHECK_IN and appointment.day != desk.today:
        raise RuleBroken("not_today", "Patients check in on the day of their visit.")
    if action == Action.NO_SHOW and desk.now < appointment.start_at:
        raise RuleBroken("too_early", "The visit has not started yet.")
    if action.startswith("undo_") and not (reason or "").strip():
        raise Invalid("reason_required", "Say why the status is undone.")
    before = appointment.status
    appointment.status = next_status(before, action)
    if action == Action.CHECK_IN:
        appointment.checked_in_at = desk.now
    elif action == Action.UNDO_CHECK_IN:
        appointment.checked_in_at = None
    appointment.updated_at = desk.now
    record(session, desk, appointment.id, before, appointment.status, action, reason)
    session.flush()
    facts = load_facts(session, desk, appointment.id)
    tell(session, desk, facts, STATUS_EVENTS[action])
    return facts


def mark_no_shows(session: Session, desk: BookingDesk, limit: int = 500) -> int:
    """Patients not checked in ``no_show_grace_minutes`` after their session ended."""
    cutoff = desk.now - timedelta(minutes=desk.rules.no_show_grace_minutes)
    missed = session.scalars(select(Appointment).where(
        Appointment.status == AppointmentStatus.BOOKED, Appointment.session_end_at <= cutoff)
        .order_by(Appointment.session_end_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    for appointment in missed:
        _change_status(session, desk, appointment, Action.NO_SHOW,
                       "not checked in by the end of the session")
    return len(missed)


def _free_place(session: Session, appointment: Appointment) -> None:
    if appointment.overbooked:
        places.free_overbooked_place(session, appointment.slot_id)
    else:
        places.free_booked_place(session, appointment.slot_id)
