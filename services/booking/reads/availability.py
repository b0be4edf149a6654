"""Who has room: the console's grid, its 14-day strip, the next free place, and the small
answer the console polls — each read in one query of plain columns."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain.availability import DayState, Moment, SlotState, day_state, slot_state
from ..domain.rules import BookingDesk
from ..domain.statuses import HoldStatus, SlotStatus, WaitStatus
from ..models import Department, Expert, Hold, Slot, WaitlistEntry

SHOWN = (SlotStatus.ACTIVE, SlotStatus.CANCELLED)


class Row(NamedTuple):
    slot_id: int
    day: date
    start: datetime
    end: datetime
    session: str
    capacity: int
    booked: int
    held: int
    overbooked: int
    status: str
    cancel_reason: str | None
    expert_id: int
    expert_name: str
    title: str
    fee: Any
    specialty: str
    bio: str
    department_id: int
    department_name: str | None
    expired_holds: int


def slot_rows(session: Session, desk: BookingDesk, first: date, days: int,
              department_id: int | None, expert_id: int | None) -> list[Row]:
    """Slots of active experts, on sale or 停诊, with held places net of holds already
    expired (the worker sweeps them every few seconds); and the 停诊 slots of an inactive
    expert — deactivation cancels his slots not yet over as leave does, with the reason
    the patients are told — so the console says he stopped on those days, and why,
    instead of showing nobody. Only those: any slot of his still on sale (today's, over
    before he was deactivated) stays hidden as before, so nothing of his is bookable here."""
    stale = (select(Hold.slot_id, func.count().label("n"))
             .where(Hold.status == HoldStatus.ACTIVE, Hold.expires_at <= desk.now)
             .group_by(Hold.slot_id).subquery())
    query = (select(Slot.id, Slot.day, Slot.start_at, Slot.end_at, Slot.session, Slot.capacity,
                    Slot.booked, Slot.held, Slot.overbooked, Slot.status, Slot.cancel_reason,
                    Expert.id, Expert.name, Expert.title, Expert.fee, Expert.specialty,
                    Expert.bio, Expert.department_id, Department.name,
                    func.coalesce(stale.c.n, 0))
             .join(Expert, Expert.id == Slot.expert_id)
             .outerjoin(Department, Department.id == Slot.department_id)
             .outerjoin(stale, stale.c.slot_id == Slot.id)
             .where(Slot.status.in_(SHOWN), Slot.day >= first,
                    Slot.day < first + timedelta(days=days),
                    or_(Expert.active.is_(True), Slot.status == SlotStatus.CANCELLED))
             .order_by(Expert.id, Slot.start_at))
    if department_id:
        query = query.where(Slot.department_id == department_id)
    if expert_id:
        query = query.where(Slot.expert_id == expert_id)
    # Core rows, not ORM ones: every column is plain, and the callers loop per slot.
    return [Row._make(r) for r in session.connection().execute(query).all()]


class Judge:
    """Each slot's state at one moment; the release of each day computed once."""

    def __init__(self, desk: BookingDesk) -> None:
        self.desk = desk
        self.at = Moment(desk.now, desk.rules.window.open_after(desk.now))
        self.opens: dict[date, datetime] = {}

    def opens_at(self, day: date) -> datetime:
        if day not in self.opens:
            self.opens[day] = self.desk.rules.window.opens_at(day, self.desk.zone)
        return self.opens[day]

    def counts(self, row: Row) -> tuple[int, int, SlotState]:
        """(held, remaining, state) of a slot."""
        held = max(row.held - row.expired_holds, 0)
        remaining = max(row.capacity - row.booked - held, 0)
        state = slot_state(stopped=row.status == SlotStatus.CANCELLED,
                           released=self.opens_at(row.day) <= self.desk.now,
                           start=row.start, remaining=remaining, at=self.at)
        return held, remaining, state


def availability(session: Session, desk: BookingDesk, first: date, days: int,
                 department_id: int | None,
                 expert_id: int | None) -> tuple[list[dict[str, Any]], str]:
    """Experts with their slots, each with its state; and the grid's version (it changes
    when a slot is added, stopped, or changes state — not when a count changes)."""
    judge, local = Judge(desk), LocalTimes(desk.zone)
    rows = slot_rows(session, desk, first, days, department_id, expert_id)
    waiting = _waiting(session, {r.expert_id for r in rows}, first, days)
    experts: dict[int, dict[str, Any]] = {}
    for row in rows:
        held, remaining, state = judge.counts(row)
        entry = experts.get(row.expert_id)
        if entry is None:
            entry = experts[row.expert_id] = {
                "id": row.expert_id, "name": row.expert_name, "title": row.title,
                "fee": f"{row.fee:.2f}", "specialty": row.specialty, "bio": row.bio,
                "department_id": row.department_id,
                "department_name": row.department_name or "", "remaining": 0,
                "waiting": waiting.get(row.expert_id, {}), "slots": []}
        if state == SlotState.OPEN:
            entry["remaining"] += remaining
        slot: dict[str, Any] = {
            "slot_id": row.slot_id, "date": row.day.isoformat(),
            "start": local[row.start], "end": local[row.end], "session": row.session,
            "capacity": row.capacity, "booked": row.booked, "held": held,
            "remaining": remaining if state != SlotState.STOPPED else 0,
            "overbooked": row.overbooked, "state": state.value,
            "bookable": state in (SlotState.OPEN, SlotState.FULL)}
        if state == SlotState.STOPPED:
            slot["stop_reason"] = row.cancel_reason or ""
        if state == SlotState.NOT_RELEASED:
            slot["opens_at"] = local[judge.opens_at(row.day)]
        entry["slots"].append(slot)
    return list(experts.values()), _version(
        (s["slot_id"], s["state"]) for e in experts.values() for s in e["slots"])


def counts(session: Session, desk: BookingDesk, first: date, days: int, department_id: int | None,
           expert_id: int | None) -> tuple[str, list[list[Any]]]:
    """What the console polls: per slot [id, remaining, held, booked, state], and the
    version of the grid they belong to."""
    judge = Judge(desk)
    found, keys = [], []
    for row in slot_rows(session, desk, first, days, department_id, expert_id):
        held, remaining, state = judge.counts(row)
        found.append([row.slot_id, remaining if state != SlotState.STOPPED else 0, held,
                      row.booked, state.value])
        keys.append((row.slot_id, state.value))
    return _version(keys), found


def day_strip(session: Session, desk: BookingDesk, first: date, days: int,
              department_id: int | None, expert_id: int | None) -> list[dict[str, Any]]:
    """One entry a day: its state (有号 / 约满 / 停诊 / 未放号 / closed / none), the places
    left, when it opens, and why it is stopped."""
    judge = Judge(desk)
    by_day: dict[date, list[tuple[Row, int, SlotState]]] = defaultdict(list)
    for row in slot_rows(session, desk, first, days, department_id, expert_id):
        _, remaining, state = judge.counts(row)
        by_day[row.day].append((row, remaining, state))
    strip = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        found = by_day.get(day, [])
        today = day_state(state for _, _, state in found)
        entry: dict[str, Any] = {
            "date": day, "state": today.value,
            "remaining": sum(r for _, r, s in found if s == SlotState.OPEN),
            "stopped_slots": sum(1 for _, _, s in found if s == SlotState.STOPPED)}
        if today == DayState.NOT_RELEASED:
            entry["opens_at"] = judge.opens_at(day).astimezone(desk.zone)
        reasons = {row.cancel_reason for row, _, s in found if s == SlotState.STOPPED}
        if reasons:
            entry["stop_reason"] = "；".join(sorted(r for r in reasons if r))
        strip.append(entry)
    return strip


def next_available(session: Session, desk: BookingDesk, department_id: int | None,
                   expert_id: int | None, horizon_days: int = 60) -> dict[str, Any] | None:
    """The earliest place that can be booked now, across the department's experts: an
    open slot, so never one that has begun, even where a negative cut-off lets staff book
    after the start (the grid shows those as past)."""
    judge = Judge(desk)
    query = (select(Slot.id, Slot.day, Slot.start_at, Expert.id, Expert.name)
             .join(Expert, Expert.id == Slot.expert_id)
             .where(Slot.status == SlotStatus.ACTIVE, Expert.active.is_(True),
                    Slot.start_at > desk.rules.window.offered_after(desk.now),
                    Slot.day <= desk.today + timedelta(days=horizon_days),
                    Slot.booked + Slot.held < Slot.capacity)
             .order_by(Slot.start_at, Slot.id).limit(200))
    if department_id:
        query = query.where(Slot.department_id == department_id)
    if expert_id:
        query = query.where(Slot.expert_id == expert_id)
    for slot_id, day, start, expert, name in session.connection().execute(query).all():
        if judge.opens_at(day) <= desk.now:
            return {"slot_id": slot_id, "date": day, "expert_id": expert,
                    "expert_name": name, "start": start.astimezone(desk.zone)}
    return None


def _waiting(session: Session, expert_ids: set[int], first: date,
             days: int) -> dict[int, dict[str, int]]:
    """How many wait on each expert-day's list."""
    if not expert_ids:
        return {}
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for expert, day, n in session.execute(
            select(WaitlistEntry.expert_id, WaitlistEntry.day, func.count())
            .where(WaitlistEntry.expert_id.in_(expert_ids),
                   WaitlistEntry.status == WaitStatus.WAITING, WaitlistEntry.day >= first,
                   WaitlistEntry.day < first + timedelta(days=days))
            .group_by(WaitlistEntry.expert_id, WaitlistEntry.day)):
        found[expert][day.isoformat()] = n
    return found


def _version(keys: Any) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for slot_id, state in keys:
        digest.update(f"{slot_id}:{state};".encode())
    return digest.hexdigest()


class LocalTimes(dict[datetime, str]):
    """Moments as ISO text in the hospital's zone, each formatted once: slot times repeat
    across a department's experts, who work on the same grid."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, moment: datetime) -> str:
        text = self[moment] = moment.astimezone(self.zone).isoformat()
        return text


def slot_named(session: Session, slot_id: int) -> Slot | None:
    """The slot by its id, as the inventory counts it now (or None)."""
    return session.get(Slot, slot_id)


def active_departments(session: Session) -> list[Department]:
    """Departments as booking knows them, for the console's and roster's pickers."""
    return list(session.scalars(select(Department).where(Department.active.is_(True))
                                .order_by(Department.code)))
