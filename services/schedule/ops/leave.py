"""Leave: an expert away for a day or part of one; the slots inside it are cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import SlotsCancelled
from services.common.desk import Desk
from services.common.refusals import Invalid
from services.common.unit_of_work import Work

from ..domain import slots as rules
from ..domain.statuses import SlotStatus
from ..models import Expert, Leave, Slot, outbox
from ..reads.directory import department_facts, expert_facts, the_expert
from ..reads.timetable import active_slots
from .publishing import published_slot


@dataclass(frozen=True)
class LeaveRecorded:
    leave_id: int
    cancelled_slot_ids: list[int]
    kept_slot_ids: list[int]


def not_in_past(day: date, desk: Desk[Any]) -> None:
    if day < desk.today:
        raise Invalid(message="The date is in the past.", field="date")


def add_leave(work: Work[Any], expert_id: int, leave: rules.Leave, reason: str) -> LeaveRecorded:
    """Record leave and cancel the expert's slots inside it; booking hears of them by
    event. Names the leave, the slots cancelled, and those it only overlaps (kept)."""
    session, desk = work.session, work.desk
    expert = the_expert(session, expert_id)
    not_in_past(leave.day, desk)
    leave.check()
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    row = Leave(expert_id=expert.id, day=leave.day, start=leave.start, end=leave.end,
                reason=reason, created_by=desk.by, created_at=desk.now)
    session.add(row)
    session.flush()
    cancelled, kept = leave.split(active_slots(session, expert.id, leave.day), desk.zone)
    cancel_for_leave(session, expert, row, cancelled, desk.zone)
    return LeaveRecorded(row.id, [slot.id for slot in cancelled], [slot.id for slot in kept])


def cancel_for_leave(session: Session, expert: Expert, row: Leave, slots: list[Slot],
                     zone: ZoneInfo) -> None:
    """Cancel one day's slots for a leave and tell booking, which cancels their
    appointments (``expert_unavailable``) and tells the patients. Deactivating an expert
    takes the same path."""
    for slot in slots:
        slot.status = SlotStatus.CANCELLED
        slot.cancel_reason = row.reason
        slot.leave_id = row.id
    if slots:
        session.flush()
        outbox.add(session, SlotsCancelled(
            expert=expert_facts(expert), department=department_facts(expert.department),
            date=row.day, time_zone=zone.key, reason=row.reason, leave_id=row.id,
            slot_ids=[slot.id for slot in slots],
            slots=[published_slot(slot) for slot in slots]))
