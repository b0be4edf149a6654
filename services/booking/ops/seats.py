"""An appointment's seat, queue number and code, given by its one INSERT.

The seat is the lowest of 1..capacity no live appointment of the slot holds. It is
found by SQL inside the appointment's INSERT, which runs after the place's UPDATE
locked the slot's row: PostgreSQL gives each statement of a transaction a fresh
snapshot and SQLite has one writer, so the INSERT sees every seat taken before this
place and two bookings of one slot never pick the same seat. (Taking the place in the
same statement, as a PostgreSQL CTE, would read the seats from the snapshot before the
lock: under a rush two bookings would pick one seat and the second would fail.)

The code is drawn at random and left to the unique index: ``ON CONFLICT (code) DO
NOTHING`` skips the row when the code was given before, and the next try draws again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, Integer, bindparam, exists, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.common.db import insert_for, inserted, table_of

from ..domain.codes import new_code
from ..domain.rules import RuleBroken
from ..domain.statuses import AppointmentStatus
from ..models import Appointment, Slot

#: A code is 8 of 31 characters (8.5e11): a collision is rare even with millions booked,
#: and each try is a new random code; running out of tries means something else is wrong.
CODE_TRIES = 5

APPOINTMENTS = table_of(Appointment)


def _free_seat() -> ColumnElement[int]:
    """1 when it is free, else the lowest taken seat below capacity whose next seat is
    free, plus one; NULL when every seat is taken. Built once, with the slot and its
    capacity as parameters (building it costs more than running it)."""
    slot_id = bindparam("seat_slot_id", type_=Integer)
    capacity = bindparam("seat_capacity", type_=Integer)
    taken, after = APPOINTMENTS.alias("taken"), APPOINTMENTS.alias("after")
    cancelled = AppointmentStatus.CANCELLED.value
    first_free = select(literal(1)).where(~exists().where(
        taken.c.slot_id == slot_id, taken.c.status != cancelled,
        taken.c.seat == 1)).scalar_subquery()
    next_free = select(func.min(taken.c.seat) + 1).where(
        taken.c.slot_id == slot_id, taken.c.status != cancelled, taken.c.seat < capacity,
        ~exists().where(after.c.slot_id == slot_id, after.c.status != cancelled,
                        after.c.seat == taken.c.seat + 1)).scalar_subquery()
    return func.coalesce(first_free, next_free)


FREE_SEAT = _free_seat()


def seat_parameters(slot: Slot) -> dict[str, int]:
    return {"seat_slot_id": slot.id, "seat_capacity": slot.capacity,
            "seat_offset": slot.seat_offset}


def free_seat(session: Session, slot: Slot) -> int | None:
    """The slot's lowest free seat, read on its own (a move to another slot)."""
    return session.scalar(select(FREE_SEAT), seat_parameters(slot))


WRITTEN = (APPOINTMENTS.c.id, APPOINTMENTS.c.seat, APPOINTMENTS.c.queue_number)


@cache
def _insert(dialect: str) -> Insert:
    """The appointment's INSERT with its seat, queue number and code rule, per dialect."""
    return (insert_for(dialect)(APPOINTMENTS)
            .values(seat=FREE_SEAT,
                    queue_number=FREE_SEAT + bindparam("seat_offset", type_=Integer))
            .on_conflict_do_nothing(index_elements=["code"]).returning(*WRITTEN))


def insert_appointment(session: Session, slot: Slot, overbooked: bool,
                       values: dict[str, Any]) -> Appointment:
    """Write the appointment (``values`` without seat, queue number and code) in one
    statement, which picks the seat and its number and keeps the code unique; return it
    as written (a plain object, not read back)."""
    if overbooked:  # the front desk's walk-in beyond capacity: rare, read in Python
        seat, queue_number = overbooked_seat(session, slot)
        seated = {**values, "seat": seat, "queue_number": queue_number}

        def attempt(code: str) -> Row[Any] | None:
            return inserted(session, APPOINTMENTS, {**seated, "code": code}, ["code"],
                            *WRITTEN)
    else:
        statement = _insert(session.get_bind().dialect.name)
        parameters = {**values, **seat_parameters(slot)}

        def attempt(code: str) -> Row[Any] | None:
            return session.execute(statement, {**parameters, "code": code}).first()
    for _ in range(CODE_TRIES):
        code = new_code()
        row = attempt(code)
        if row is not None:
            return Appointment(id=row.id, code=code, seat=row.seat,
                               queue_number=row.queue_number, **values)
    raise RuntimeError(f"no unused appointment code in {CODE_TRIES} tries")


def seat_in(session: Session, slot: Slot) -> tuple[int, int]:
    """The lowest free seat of the slot and its queue number in the session (号序)."""
    seat = free_seat(session, slot)
    if seat is None:
        raise RuleBroken("slot_full", "This slot is full.")
    return seat, slot.seat_offset + seat


def overbooked_seat(session: Session, slot: Slot) -> tuple[int, int]:
    """An overbooked walk-in's seat is beyond capacity and its number after the
    session's places and any earlier overbooked number of the expert's day."""
    taken = set(session.scalars(select(Appointment.seat).where(
        Appointment.slot_id == slot.id, Appointment.status != AppointmentStatus.CANCELLED)))
    seat = next(n for n in range(slot.capacity + 1, slot.capacity + 1000) if n not in taken)
    last = session.scalar(select(func.max(Appointment.queue_number)).where(
        Appointment.expert_id == slot.expert_id, Appointment.day == slot.day,
        Appointment.overbooked.is_(True)))
    return seat, max(last or 0, slot.session_places) + 1
