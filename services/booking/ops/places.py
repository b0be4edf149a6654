"""Counting places: each change is one conditional UPDATE in booking's database.

``UPDATE slots SET booked = booked + 1 WHERE id = :id AND booked + held < capacity``
either takes a place or changes nothing; the row count says which. PostgreSQL
holds the row lock until commit and SQLite has one writer, so two consultants
can never both get the last place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.db import changed

from ..domain.statuses import HoldStatus, SlotStatus
from ..models import Hold, Slot
from ..reads.polls import forget_polls_when_committed

_NO_SYNC = {"synchronize_session": False}


def _apply(session: Session, *where: Any, **values: Any) -> bool:
    statement = update(Slot).where(*where).values(**values).execution_options(**_NO_SYNC)
    if changed(session, statement) != 1:
        return False
    forget_polls_when_committed(session)
    return True


def _has_room(slot_id: int) -> tuple[Any, ...]:
    return (Slot.id == slot_id, Slot.status == SlotStatus.ACTIVE,
            Slot.booked + Slot.held < Slot.capacity)


def take_held_place(session: Session, slot_id: int) -> bool:
    return _apply(session, *_has_room(slot_id), held=Slot.held + 1)


def take_booked_place(session: Session, slot_id: int) -> bool:
    return _apply(session, *_has_room(slot_id), booked=Slot.booked + 1)


def turn_held_into_booked(session: Session, slot_id: int) -> bool:
    return _apply(session, Slot.id == slot_id, Slot.held > 0,
                  held=Slot.held - 1, booked=Slot.booked + 1)


def free_held_place(session: Session, slot_id: int) -> bool:
    return _apply(session, Slot.id == slot_id, Slot.held > 0, held=Slot.held - 1)


def free_booked_place(session: Session, slot_id: int) -> bool:
    return _apply(session, Slot.id == slot_id, Slot.booked > 0, booked=Slot.booked - 1)


def take_overbooked_place(session: Session, slot_id: int) -> bool:
    """Beyond capacity, for a walk-in the front desk decided to see anyway."""
    return _apply(session, Slot.id == slot_id, Slot.status == SlotStatus.ACTIVE,
                  overbooked=Slot.overbooked + 1)


def free_overbooked_place(session: Session, slot_id: int) -> bool:
    return _apply(session, Slot.id == slot_id, Slot.overbooked > 0,
                  overbooked=Slot.overbooked - 1)


def end_hold(session: Session, hold_id: str, status: HoldStatus, now: datetime,
             *, only_if_unexpired: bool = False) -> bool:
    """Move an active hold to ``status`` (used, released, expired) exactly once."""
    where = [Hold.id == hold_id, Hold.status == HoldStatus.ACTIVE]
    if only_if_unexpired:
        where.append(Hold.expires_at > now)
    statement = (update(Hold).where(*where).values(status=status, ended_at=now)
                 .execution_options(**_NO_SYNC))
    return changed(session, statement) == 1


def expire_holds(session: Session, now: datetime, slot_id: int | None = None) -> list[int]:
    """Give back the places of holds whose time is up (all, or one slot's); return the
    slots that got a place back, one entry per place."""
    query = select(Hold.id, Hold.slot_id).where(Hold.status == HoldStatus.ACTIVE,
                                                Hold.expires_at <= now)
    if slot_id is not None:
        query = query.where(Hold.slot_id == slot_id)
    freed = []
    for hold_id, hold_slot in session.execute(query).all():
        if end_hold(session, hold_id, HoldStatus.EXPIRED, now):
            free_held_place(session, hold_slot)
            freed.append(hold_slot)
    return freed
