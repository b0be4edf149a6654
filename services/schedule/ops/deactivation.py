"""Deactivating an expert: like leave for every future slot, then no more publishing.

An expert who stops seeing patients must not leave booked patients behind who hear
nothing, nor places the roster counts as free. So deactivation cancels the expert's
slots not yet over through leave's own path (a leave row per day and
``schedule.slots.cancelled``): booking cancels the appointments with reason
``expert_unavailable`` and offers other places, notify tells the patients, followup
opens ``hospital_cancelled`` tasks — exactly as for 停诊.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.common.unit_of_work import Work

from ..models import Expert, Leave, Slot
from ..reads.directory import the_expert
from ..reads.timetable import slots_not_over
from .directory import set_expert, update_expert
from .leave import cancel_for_leave

#: What patients and staff read when the admin gives no reason (the API allows that).
DEFAULT_REASON = "专家停诊"
_LAST_MINUTE = time(23, 59)


@dataclass(frozen=True)
class Deactivated:
    cancelled_slot_ids: list[int]
    leave_ids: list[int]


def change_expert(work: Work[Any], expert_id: int, *, active: bool | None = None,
                  reason: str = "", name: str | None = None, title: str | None = None,
                  department_id: int | None = None, specialty: str | None = None,
                  bio: str | None = None, fee: Decimal | None = None) -> None:
    """Change an expert as the admin's form does: ``active=False`` deactivates as
    :func:`deactivate_expert` does (``reason`` told to the patients), after the other
    changes."""
    deactivate = active is False
    changes = {"name": name, "title": title, "department_id": department_id,
               "specialty": specialty, "bio": bio, "fee": fee}
    the_expert(work.session, expert_id)
    if not deactivate or any(value is not None for value in changes.values()):
        update_expert(work, expert_id, name=name, title=title, department_id=department_id,
                      specialty=specialty, bio=bio, fee=fee,
                      active=None if deactivate else active)
    if deactivate:
        deactivate_expert(work, expert_id, reason)


def deactivate_expert(work: Work[Any], expert_id: int, reason: str) -> Deactivated:
    """Deactivate the expert and cancel every slot of theirs not yet over, one leave per
    day. Names the slots cancelled and the leave made; an inactive expert is left as is.

    The expert is told inactive before the slots are cancelled, so booking (which reads
    the events in order) offers the patients no place of this expert's."""
    session, desk = work.session, work.desk
    expert = the_expert(session, expert_id)
    still_active = session.scalar(
        select(Expert.active).where(Expert.id == expert.id).with_for_update())
    if not still_active:
        return Deactivated([], [])
    zone = desk.zone
    reason = reason.strip() or DEFAULT_REASON
    slots = slots_not_over(session, expert.id, desk.now)
    set_expert(session, expert, active=False)
    leaves = []
    for day, group in groupby(slots, key=lambda slot: slot.day):
        of_day = list(group)
        start, end = _window(day, of_day, desk.today, zone)
        row = Leave(expert_id=expert.id, day=day, start=start, end=end, reason=reason,
                    created_by=desk.by, created_at=desk.now)
        session.add(row)
        session.flush()
        cancel_for_leave(session, expert, row, of_day, zone)
        leaves.append(row)
    return Deactivated([slot.id for slot in slots], [leave.id for leave in leaves])


def _window(day: date, slots: list[Slot], today: date,
            zone: ZoneInfo) -> tuple[time | None, time | None]:
    """A whole day from tomorrow on; today (whose earlier slots are over and stay as they
    were) from the first slot cancelled to the end of the last."""
    if day > today:
        return None, None
    start = slots[0].start_at.astimezone(zone).time()
    end = max(slot.end_at for slot in slots).astimezone(zone)
    return start, end.time() if end.date() == day and end.time() > start else _LAST_MINUTE
