"""Booking's slot inventory, built from schedule's events.

Each function runs inside the inbox transaction, so a redelivered event is never
applied twice; they are also written to be harmless if it were (existing slots
are left alone, cancelling a cancelled slot changes nothing).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    PublishedSlot,
    SlotsCancelled,
    SlotsPublished,
)
from services.common.db import copy_to_update

from ..domain.rules import BookingDesk
from ..domain.statuses import SlotStatus
from ..models import Department, Expert, Slot
from .leave import cancel_for_expert_leave


def remember_department(session: Session, facts: DepartmentUpdated, at: datetime) -> None:
    """Keep our copy of a department; facts older than the copy are ignored."""
    row = copy_to_update(session, Department, facts.id, at)
    if row is None:
        return
    row.code, row.name = facts.code, facts.name
    row.location, row.active = facts.location, facts.active
    row.facts_at = at


def remember_expert(session: Session, facts: ExpertUpdated, at: datetime) -> None:
    """Keep our copy of an expert; facts older than the copy are ignored."""
    row = copy_to_update(session, Expert, facts.id, at)
    if row is None:
        return
    row.code, row.name, row.title = facts.code, facts.name, facts.title
    row.department_id = facts.department_id
    row.fee = Decimal(facts.fee)
    row.specialty, row.bio = facts.specialty, facts.bio
    row.active = facts.active
    row.facts_at = at
    session.flush()


def session_facts(slots: list[PublishedSlot]) -> dict[int, tuple[int, int, datetime]]:
    """Per slot: (seat offset, places in its session, when its session ends).

    Queue numbers run through a session in time order: the first slot's places are
    numbers 1..capacity, the next slot's follow on, as on a hospital's ticket roll.
    """
    sessions: dict[str, list[PublishedSlot]] = {}
    for slot in slots:
        sessions.setdefault(slot.session, []).append(slot)
    facts = {}
    for members in sessions.values():
        members.sort(key=lambda s: s.start)
        places = sum(s.capacity for s in members)
        ends = max(s.end for s in members)
        offset = 0
        for slot in members:
            facts[slot.slot_id] = (offset, places, ends)
            offset += slot.capacity
    return facts


def add_published_slots(session: Session, published: SlotsPublished, at: datetime) -> None:
    """Add the published slots to the inventory with nothing booked or held."""
    remember_department(session, published.department, at)
    remember_expert(session, published.expert, at)
    ids = [slot.slot_id for slot in published.slots]
    known = set(session.scalars(select(Slot.id).where(Slot.id.in_(ids))))
    facts = session_facts(published.slots)
    for slot in published.slots:
        if slot.slot_id in known:
            continue
        offset, session_places, session_end = facts[slot.slot_id]
        session.add(Slot(
            id=slot.slot_id, expert_id=published.expert.id,
            department_id=published.department.id, day=published.date,
            start_at=slot.start, end_at=slot.end, capacity=slot.capacity, booked=0, held=0,
            overbooked=0, status=SlotStatus.ACTIVE, session=slot.session, seat_offset=offset,
            session_places=session_places, session_end_at=session_end, updated_at=at,
        ))


def cancel_slots(session: Session, desk: BookingDesk, cancelled: SlotsCancelled,
                 at: datetime) -> None:
    """Take the slots off sale and cancel their appointments, offering alternatives."""
    slots = session.scalars(select(Slot).where(Slot.id.in_(cancelled.slot_ids))).all()
    for slot in slots:
        slot.status = SlotStatus.CANCELLED
        slot.cancel_reason = cancelled.reason
        slot.updated_at = at
    session.flush()
    cancel_for_expert_leave(session, desk, [slot.id for slot in slots], cancelled.reason)
