"""The manager's counts per consultant, channel, department or expert, and per day.

The definitions are the roster's: ``booked`` is every appointment not cancelled
(arrived and no-shows included), ``cancelled`` apart. The days are visit dates, or —
``basis="booked"`` — the days the appointments were made, on the hospital's clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from services.common.fields import day_span

from ..domain.statuses import AppointmentStatus as S
from ..domain.statuses import SlotStatus
from ..models import Appointment, Department, Expert, Slot

STATS_GROUPS = {
    "consultant": Appointment.booked_by,
    "channel": Appointment.channel,
    "department": Appointment.department_id,
    "expert": Appointment.expert_id,
}
BASES = ("visit", "booked")
#: Places offered can be counted for these groups only (a slot has no channel).
CAPACITY_OF = {"department": Slot.department_id, "expert": Slot.expert_id}

_BOOKED = func.sum(case((Appointment.status != S.CANCELLED, 1), else_=0))
_CANCELLED = func.sum(case((Appointment.status == S.CANCELLED, 1), else_=0))
_ARRIVED = func.sum(case((Appointment.status.in_((S.CHECKED_IN, S.COMPLETED)), 1), else_=0))
_NO_SHOW = func.sum(case((Appointment.status == S.NO_SHOW, 1), else_=0))


def _in_range(first: date, last: date, basis: str, zone: ZoneInfo) -> ColumnElement[bool]:
    if basis == "booked":
        after, before = day_span(first, last, zone)
        return (Appointment.created_at >= after) & (Appointment.created_at < before)
    return (Appointment.day >= first) & (Appointment.day <= last)


def _rates(n_booked: int, n_arrived: int, n_no_show: int,
           capacity: int | None) -> dict[str, float | None]:
    decided = n_arrived + n_no_show
    return {"arrival_rate": round(n_arrived / decided, 4) if decided else None,
            "utilisation": round(n_booked / capacity, 4) if capacity else None}


def stats(session: Session, first: date, last: date, by: str, basis: str = "visit",
          zone: ZoneInfo | None = None) -> list[dict[str, Any]]:
    """Per group: booked, cancelled, arrived, no-show, the arrival rate, and — for experts
    and departments by visit date — the places offered and how many were booked."""
    key = STATS_GROUPS[by]
    rows = session.execute(
        select(key, _BOOKED, _CANCELLED, _ARRIVED, _NO_SHOW)
        .where(_in_range(first, last, basis, zone or ZoneInfo("UTC")))
        .group_by(key).order_by(key)).all()
    names = _group_names(session, by)
    offered = _capacity(session, first, last, by) if basis == "visit" else {}
    result = []
    for group, n_booked, n_cancelled, n_arrived, n_no_show in rows:
        n_booked, n_arrived, n_no_show = n_booked or 0, n_arrived or 0, n_no_show or 0
        capacity = offered.get(group)
        result.append({
            "group": str(group), "name": names.get(group, str(group)), "booked": n_booked,
            "cancelled": n_cancelled or 0, "arrived": n_arrived, "no_show": n_no_show,
            "capacity": capacity, **_rates(n_booked, n_arrived, n_no_show, capacity)})
    return result


def no_show_rate(session: Session, first: date, last: date) -> list[dict[str, Any]]:
    """Per expert with a decided visit in the range (arrived or not), by visit date: the
    decided visits, the no-shows and their share; a visit still only booked is not
    decided yet."""
    decided = _ARRIVED + _NO_SHOW
    rows = session.execute(
        select(Appointment.expert_id, Expert.name, decided, _NO_SHOW)
        .join(Expert, Expert.id == Appointment.expert_id)
        .where(_in_range(first, last, "visit", ZoneInfo("UTC")))
        .group_by(Appointment.expert_id, Expert.name).having(decided > 0)
        .order_by(Appointment.expert_id)).all()
    return [{"expert_id": expert_id, "name": name, "decided": n, "no_show": missed,
             "no_show_rate": round(missed / n, 4)} for expert_id, name, n, missed in rows]


def daily(session: Session, first: date, last: date, basis: str,
          zone: ZoneInfo) -> list[dict[str, Any]]:
    """One line a day (every day of the range, empty ones too), for the trend chart."""
    if basis == "booked":
        made = session.execute(
            select(Appointment.created_at, Appointment.status)
            .where(_in_range(first, last, basis, zone))).all()
        counted: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for created, status in made:
            _count(counted[created.astimezone(zone).date()], status)
    else:
        counted = defaultdict(lambda: defaultdict(int))
        for day, status, n in session.execute(
                select(Appointment.day, Appointment.status, func.count())
                .where(_in_range(first, last, basis, zone))
                .group_by(Appointment.day, Appointment.status)).all():
            _count(counted[day], status, n)
    days = (last - first).days + 1
    return [{"date": day, **{k: counted[day][k] for k in ("booked", "cancelled", "arrived",
                                                          "no_show")}}
            for day in (date.fromordinal(first.toordinal() + n) for n in range(days))]


def _count(line: dict[str, int], status: str, n: int = 1) -> None:
    if status == S.CANCELLED:
        line["cancelled"] += n
        return
    line["booked"] += n
    if status in (S.CHECKED_IN, S.COMPLETED):
        line["arrived"] += n
    elif status == S.NO_SHOW:
        line["no_show"] += n


def _capacity(session: Session, first: date, last: date, by: str) -> dict[Any, int]:
    column = CAPACITY_OF.get(by)
    if column is None:
        return {}
    return {group: int(total or 0) for group, total in session.execute(
        select(column, func.sum(Slot.capacity))
        .where(Slot.day >= first, Slot.day <= last, Slot.status == SlotStatus.ACTIVE)
        .group_by(column)).all()}


def _group_names(session: Session, by: str) -> dict[Any, str]:
    if by == "expert":
        return {e.id: e.name for e in session.scalars(select(Expert))}
    if by == "department":
        return {d.id: d.name for d in session.scalars(select(Department))}
    if by == "consultant":  # 陈晓雯: the name their token gave (the username without one)
        return {user: name or user for user, name in session.execute(
                    select(Appointment.booked_by, func.max(Appointment.booked_by_name))
                    .group_by(Appointment.booked_by)).all()}
    return {}
