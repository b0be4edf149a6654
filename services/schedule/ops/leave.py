"""Leave: an expert away for a day or part of one; the slots inside it are cancelled."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import SlotsCancelled

from ..domain import slots as rules
from ..domain.slots import InvalidSchedule
from ..domain.statuses import SlotStatus
from ..models import Expert, Leave, Slot, outbox
from ..reads.directory import department_facts, expert_facts
from ..reads.hospital import hospital_zone, local_today
from ..reads.timetable import active_slots
from .publishing import published_slot


def not_in_past(day: date, zone: ZoneInfo, now: datetime) -> None:
    if day < local_today(zone, now):
        raise InvalidSchedule("date", "The date is in the past.")


def add_leave(session: Session, expert: Expert, leave: rules.Leave, reason: str, by: str,
              default_zone: str, now: datetime) -> tuple[Leave, list[Slot], list[Slot]]:
    """Record leave and cancel the expert's slots inside it; booking hears of them by
    event. Returns the leave, the slots cancelled, and those it only overlaps (kept)."""
    zone = hospital_zone(session, default_zone)
    not_in_past(leave.day, zone, now)
    leave.check()
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    row = Leave(expert_id=expert.id, day=leave.day, start=leave.start, end=leave.end,
                reason=reason, created_by=by, created_at=now)
    session.add(row)
    session.flush()
    cancelled, kept = leave.split(active_slots(session, expert.id, leave.day), zone)
    cancel_for_leave(session, expert, row, cancelled, zone)
    return row, cancelled, kept


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
