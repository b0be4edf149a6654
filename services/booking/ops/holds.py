"""Holds: a consultant keeps one place for a few minutes while the patient confirms."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.db import changed, one_at_a_time

from ..domain.rules import BookingDesk, Forbidden, NotFound, RuleBroken
from ..domain.statuses import HoldStatus, SlotStatus
from ..models import Hold, Slot
from . import places, waitlist


def place_hold(session: Session, desk: BookingDesk, slot_id: int) -> Hold:
    """Keep one place for the consultant for ``hold_seconds``; 409 when the slot is full,
    or when they already hold ``max_holds`` places (one talk needs one, two at most)."""
    # Two holds of one consultant at once are counted one after the other.
    one_at_a_time(session, f"holds:{desk.by}")
    live = session.scalar(select(func.count()).select_from(Hold).where(
        Hold.consultant == desk.by, Hold.status == HoldStatus.ACTIVE,
        Hold.expires_at > desk.now)) or 0
    if live >= desk.rules.max_holds:
        raise RuleBroken("too_many_holds", f"You already hold {live} places; book or release "
                         "one of them first.")
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound("slot")
    if slot.status != SlotStatus.ACTIVE:
        raise RuleBroken("slot_cancelled", "This slot was cancelled by the hospital.")
    desk.rules.window.check(desk.now, slot.day, slot.start_at, desk.zone)
    places.expire_holds(session, desk.now, slot_id)
    if not places.take_held_place(session, slot_id):
        raise RuleBroken("slot_full", "This slot is full.")
    hold = Hold(id=str(uuid.uuid4()), slot_id=slot_id, consultant=desk.by,
                status=HoldStatus.ACTIVE, created_at=desk.now,
                expires_at=desk.now + timedelta(seconds=desk.rules.hold_seconds))
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, desk: BookingDesk, hold_id: str) -> None:
    """Give a held place back. Only the consultant who holds it may."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("hold")
    if hold.consultant != desk.by:
        raise Forbidden(message="Only the consultant who holds this place can release it.")
    if places.end_hold(session, hold_id, HoldStatus.RELEASED, desk.now):
        places.free_held_place(session, hold.slot_id)
        waitlist.places_freed(session, desk, [hold.slot_id])


#: A hold lives at most this many times ``hold_seconds`` in all, however often extended:
#: a place kept from other desks for longer than a call needs is a place nobody can book.
MAX_HOLD_LIFETIMES = 3


def extend_hold(session: Session, desk: BookingDesk, hold_id: str) -> Hold:
    """Keep the place for another ``hold_seconds`` while the patient is still on the line;
    only while the hold is live, before the slot's cut-off, and within
    ``MAX_HOLD_LIFETIMES`` of when it was taken."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("hold")
    if hold.consultant != desk.by:
        raise Forbidden(message="Only the consultant who holds this place can extend it.")
    expired = RuleBroken("hold_expired", "The hold has expired; hold the slot again if it "
                         "still has room.")
    if hold.status != HoldStatus.ACTIVE or hold.expires_at <= desk.now:
        raise expired
    slot = session.get(Slot, hold.slot_id)
    step = timedelta(seconds=desk.rules.hold_seconds)
    until = min(desk.now + step, hold.created_at + MAX_HOLD_LIFETIMES * step)
    if slot is not None:
        until = min(until, desk.rules.window.closes_at(slot.start_at))
    if until <= hold.expires_at:
        raise RuleBroken("extend_limit", "This hold cannot be kept any longer; book now or "
                         "release it.")
    # Conditional, like every change of a place: the sweeper cannot expire it meanwhile.
    done = changed(session, update(Hold).where(
        Hold.id == hold_id, Hold.status == HoldStatus.ACTIVE, Hold.expires_at > desk.now)
        .values(expires_at=until).execution_options(synchronize_session=False))
    if not done:  # the sweeper got there between the read and the update
        raise expired
    session.refresh(hold)
    return hold


def expire_stale_holds(session: Session, desk: BookingDesk) -> int:
    """Give back every place whose hold ran out (the worker calls this every few seconds);
    waiting patients get them first."""
    freed = places.expire_holds(session, desk.now)
    if freed:
        waitlist.places_freed(session, desk, freed)
    return len(freed)
