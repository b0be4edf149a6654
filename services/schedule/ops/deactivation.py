"""Deactivating an expert: like leave for every future slot, then no more publishing.

An expert who stops seeing patients must not leave booked patients behind who hear
nothing, nor places the roster counts as free. So deactivation cancels the expert's
slots not yet over through leave's own path (a leave row per day and
``schedule.slots.cancelled``): booking cancels the appointments with reason
``expert_unavailable`` and offers other places, notify tells the patients, followup
opens ``hospital_cancelled`` tasks — exactly as for 停诊.
"""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Expert, Leave, Slot
from ..reads.hospital import hospital_zone, local_today
from ..reads.timetable import slots_not_over
from .directory import update_expert
from .leave import cancel_for_leave

#: What patients and staff read when the admin gives no reason (the API allows that).
DEFAULT_REASON = "专家停诊"
_LAST_MINUTE = time(23, 59)


def deactivate_expert(session: Session, expert: Expert, reason: str, by: str,
                      default_zone: str, now: datetime) -> tuple[list[Leave], list[Slot]]:
    """Deactivate the expert and cancel every slot of theirs not yet over, one leave per
    day. Returns the leave rows and the slots cancelled; an inactive expert is left as is.

    The expert is told inactive before the slots are cancelled, so booking (which reads
    the events in order) offers the patients no place of this expert's."""
    still_active = session.scalar(
        select(Expert.active).where(Expert.id == expert.id).with_for_update())
    if not still_active:
        return [], []
    zone = hospital_zone(session, default_zone)
    reason = reason.strip() or DEFAULT_REASON
    slots = slots_not_over(session, expert.id, now)
    update_expert(session, expert, {"active": False})
    leaves = []
    today = local_today(zone, now)
    for day, group in groupby(slots, key=lambda slot: slot.day):
        of_day = list(group)
        start, end = _window(day, of_day, today, zone)
        row = Leave(expert_id=expert.id, day=day, start=start, end=end, reason=reason,
                    created_by=by, created_at=now)
        session.add(row)
        session.flush()
        cancel_for_leave(session, expert, row, of_day, zone)
        leaves.append(row)
    return leaves, slots


def _window(day: date, slots: list[Slot], today: date,
            zone: ZoneInfo) -> tuple[time | None, time | None]:
    """A whole day from tomorrow on; today (whose earlier slots are over and stay as they
    were) from the first slot cancelled to the end of the last."""
    if day > today:
        return None, None
    start = slots[0].start_at.astimezone(zone).time()
    end = max(slot.end_at for slot in slots).astimezone(zone)
    return start, end.time() if end.date() == day and end.time() > start else _LAST_MINUTE
