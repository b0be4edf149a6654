"""The waitlist (候补): a patient waits for a place with one expert on one day.

First come, first served: when a place on that expert-day frees — a cancellation, a
move away, a hold given back or run out — the first waiting entry is booked into the
earliest bookable slot with room, in the transaction that freed the place, by the
consultant who added it and on the channel they gave; the usual confirmation goes out,
saying it came from the waitlist. An entry ends at the day's booking cut-off.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..domain.facts import AppointmentFacts
from ..domain.patients import PatientDetails, PatientRequest
from ..domain.rules import BookingDesk, NotFound, RuleBroken
from ..domain.statuses import SlotStatus, WaitStatus
from ..models import Slot, WaitlistEntry
from .booking import BookingRequest, book, recent_no_shows, refuse_duplicate
from .patients import remember_patient

#: Rounds of one fill: each books an entry, ends one, or finds a place taken meanwhile.
MAX_TRIES = 50


@dataclasses.dataclass(frozen=True)
class WaitRequest:
    expert_id: int
    day: date
    patient: PatientRequest
    channel: str
    complaint: str = ""
    override_reason: str | None = None


def _bookable(desk: BookingDesk, expert_id: int, day: date) -> list[ColumnElement[bool]]:
    """Conditions of the expert-day's slots that can still be booked now and have not
    begun: where a negative cut-off lets staff book after the start, a waiting patient is
    still not given a place that is under way (the grid shows it as past)."""
    return [Slot.expert_id == expert_id, Slot.day == day, Slot.status == SlotStatus.ACTIVE,
            Slot.start_at > desk.rules.window.offered_after(desk.now)]


def join(session: Session, desk: BookingDesk, request: WaitRequest) -> WaitlistEntry:
    """Put the patient on the expert-day's list — only when that day is full and still
    open for booking, and the patient has no appointment with the expert that day."""
    open_slots = _bookable(desk, request.expert_id, request.day)
    if not session.scalar(select(func.count()).select_from(Slot).where(*open_slots)):
        raise RuleBroken("closed", "Booking for this expert on this day has closed.")
    if desk.rules.window.opens_at(request.day, desk.zone) > desk.now:
        raise RuleBroken("not_released", "This day is not open for booking yet.")
    if session.scalar(select(func.count()).select_from(Slot).where(
            *open_slots, Slot.booked + Slot.held < Slot.capacity)):
        raise RuleBroken("has_room", "There are free places that day: book one instead.")
    patient, new = remember_patient(session, desk, request.patient)
    if not new:
        refuse_duplicate(session, patient.id, request.expert_id, request.day)
        desk.rules.no_shows.check(recent_no_shows(session, desk, patient.id),
                                  request.override_reason)
        if session.scalar(select(WaitlistEntry.id).where(
                WaitlistEntry.patient_id == patient.id,
                WaitlistEntry.expert_id == request.expert_id,
                WaitlistEntry.day == request.day,
                WaitlistEntry.status == WaitStatus.WAITING)) is not None:
            raise RuleBroken("already_waiting", "The patient is already on this list.")
    entry = WaitlistEntry(
        expert_id=request.expert_id, day=request.day, patient_id=patient.id,
        channel=request.channel, complaint=request.complaint.strip(),
        override_reason=(request.override_reason or "").strip() or None, added_by=desk.by,
        created_at=desk.now, status=WaitStatus.WAITING)
    session.add(entry)
    session.flush()
    return entry


def leave(session: Session, desk: BookingDesk, entry_id: int) -> WaitlistEntry:
    entry = session.scalar(select(WaitlistEntry).where(WaitlistEntry.id == entry_id)
                           .with_for_update())
    if entry is None:
        raise NotFound("waitlist entry")
    if entry.status != WaitStatus.WAITING:
        raise RuleBroken("not_waiting", "This entry is no longer waiting.")
    _end(entry, desk, WaitStatus.CANCELLED, f"taken off by {desk.by}")
    return entry


def places_freed(session: Session, desk: BookingDesk,
                 slot_ids: list[int]) -> list[AppointmentFacts]:
    """Places came free in these slots: their expert-days' waiting patients get them."""
    days = {(slot.expert_id, slot.day) for slot in
            session.scalars(select(Slot).where(Slot.id.in_(set(slot_ids))))}
    return [facts for expert_id, day in sorted(days) for facts in
            fill(session, desk, expert_id, day)]


def fill(session: Session, desk: BookingDesk, expert_id: int, day: date) -> list[AppointmentFacts]:
    """Book waiting patients, first come first served, while the expert-day has room."""
    booked: list[AppointmentFacts] = []
    for _ in range(MAX_TRIES):
        entry = session.scalar(
            select(WaitlistEntry).where(WaitlistEntry.expert_id == expert_id,
                                        WaitlistEntry.day == day,
                                        WaitlistEntry.status == WaitStatus.WAITING)
            .order_by(WaitlistEntry.id).limit(1).with_for_update(skip_locked=True))
        if entry is None:
            return booked
        slot_id = session.scalar(select(Slot.id).where(
            *_bookable(desk, expert_id, day), Slot.booked + Slot.held < Slot.capacity)
            .order_by(Slot.start_at).limit(1))
        if slot_id is None:
            return booked
        facts = _book(session, desk, entry, slot_id)
        if facts is not None:
            booked.append(facts)
    return booked


def _book(session: Session, desk: BookingDesk, entry: WaitlistEntry,
          slot_id: int) -> AppointmentFacts | None:
    """The entry's patient booked, as by the consultant who added them; an entry that
    cannot be booked any more (booked meanwhile, erased) ends instead."""
    request = BookingRequest(
        patient=PatientRequest(details=PatientDetails(), id=entry.patient_id),
        channel=entry.channel, slot_id=slot_id, complaint=entry.complaint,
        override_reason=entry.override_reason or "from the waitlist", from_waitlist=True)
    try:
        with session.begin_nested():
            facts = book(session, dataclasses.replace(desk, by=entry.added_by), request)
    except RuleBroken as refused:
        if refused.code != "slot_full":  # a race for that place: the entry waits on
            _end(entry, desk, WaitStatus.ENDED, refused.code)
        return None
    except NotFound:
        _end(entry, desk, WaitStatus.ENDED, "patient erased")
        return None
    entry.appointment_id = facts.id
    _end(entry, desk, WaitStatus.BOOKED, None)
    return facts


def expire(session: Session, desk: BookingDesk) -> int:
    """Entries whose day can no longer be booked (its cut-off passed, or every slot left
    was cancelled) end as expired."""
    waiting = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == WaitStatus.WAITING).with_for_update(skip_locked=True)).all()
    ended = 0
    for entry in waiting:
        if session.scalar(select(Slot.id).where(
                *_bookable(desk, entry.expert_id, entry.day)).limit(1)) is None:
            _end(entry, desk, WaitStatus.EXPIRED, "booking for the day closed")
            ended += 1
    return ended


def _end(entry: WaitlistEntry, desk: BookingDesk, status: WaitStatus, reason: str | None) -> None:
    entry.status, entry.ended_at, entry.end_reason = status, desk.now, reason
