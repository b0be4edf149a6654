"""Booking's slot inventory, built from schedule's events.

Each handler runs inside the inbox transaction, so a redelivered event is never
applied twice; they are also written to be harmless if it were (existing slots
are left alone, cancelling a cancelled slot changes nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.events import Event

from .config import BookingSettings
from .leave import cancel_for_expert_leave
from .models import Department, Expert, Slot

ACTIVE = "active"
CANCELLED = "cancelled"


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def remember_department(session: Session, facts: dict[str, Any], at: datetime) -> None:
    """Keep our copy of a department; facts older than the copy are ignored."""
    row = session.get(Department, facts["id"])
    if row is not None and row.facts_at > at:
        return
    if row is None:
        row = Department(id=facts["id"])
        session.add(row)
    row.code, row.name = facts["code"], facts["name"]
    row.location, row.active = facts.get("location", ""), facts.get("active", True)
    row.facts_at = at


def remember_expert(session: Session, facts: dict[str, Any], at: datetime) -> None:
    """Keep our copy of an expert; facts older than the copy are ignored."""
    row = session.get(Expert, facts["id"])
    if row is not None and row.facts_at > at:
        return
    if row is None:
        row = Expert(id=facts["id"])
        session.add(row)
    row.code, row.name, row.title = facts["code"], facts["name"], facts.get("title", "")
    row.department_id = facts["department_id"]
    row.fee = Decimal(str(facts.get("fee", "0")))
    row.active = facts.get("active", True)
    row.facts_at = at
    session.flush()


def session_facts(slots: list[dict[str, Any]]) -> dict[int, tuple[int, int, datetime]]:
    """Per slot: (seat offset, places in its session, when its session ends).

    Queue numbers run through a session in time order: the first slot's places are
    numbers 1..capacity, the next slot's follow on, as on a hospital's ticket roll.
    """
    sessions: dict[str, list[dict[str, Any]]] = {}
    for slot in slots:
        sessions.setdefault(slot.get("session", ""), []).append(slot)
    facts = {}
    for members in sessions.values():
        members.sort(key=lambda s: s["start"])
        places = sum(s["capacity"] for s in members)
        ends = max(_moment(s["end"]) for s in members)
        offset = 0
        for slot in members:
            facts[slot["slot_id"]] = (offset, places, ends)
            offset += slot["capacity"]
    return facts


def on_slots_published(session: Session, event: Event) -> None:
    """Add the published slots to the inventory with nothing booked or held."""
    data = event.data
    remember_department(session, data["department"], event.occurred_at)
    remember_expert(session, data["expert"], event.occurred_at)
    ids = [slot["slot_id"] for slot in data["slots"]]
    known = set(session.scalars(select(Slot.id).where(Slot.id.in_(ids))))
    day = date.fromisoformat(data["date"])
    facts = session_facts(data["slots"])
    for slot in data["slots"]:
        if slot["slot_id"] in known:
            continue
        offset, session_places, session_end = facts[slot["slot_id"]]
        session.add(Slot(
            id=slot["slot_id"], expert_id=data["expert"]["id"],
            department_id=data["department"]["id"], day=day,
            start_at=_moment(slot["start"]), end_at=_moment(slot["end"]),
            capacity=slot["capacity"], booked=0, held=0, overbooked=0, status=ACTIVE,
            session=slot.get("session", ""), seat_offset=offset, session_places=session_places,
            session_end_at=session_end, updated_at=event.occurred_at,
        ))


def on_slots_cancelled(session: Session, event: Event, settings: BookingSettings) -> None:
    """Take the slots off sale and cancel their appointments, offering alternatives."""
    slots = session.scalars(select(Slot).where(Slot.id.in_(event.data["slot_ids"]))).all()
    for slot in slots:
        slot.status = CANCELLED
        slot.cancel_reason = event.data.get("reason")
        slot.updated_at = event.occurred_at
    session.flush()
    cancel_for_expert_leave(session, settings, [slot.id for slot in slots],
                            event.data.get("reason"))


def on_expert_updated(session: Session, event: Event) -> None:
    remember_expert(session, event.data, event.occurred_at)


def on_department_updated(session: Session, event: Event) -> None:
    remember_department(session, event.data, event.occurred_at)
