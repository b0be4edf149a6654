"""The manager's counts per consultant, channel, department or expert."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.statuses import AppointmentStatus as S
from ..models import Appointment, Department, Expert

STATS_GROUPS = {
    "consultant": Appointment.booked_by,
    "channel": Appointment.channel,
    "department": Appointment.department_id,
    "expert": Appointment.expert_id,
}


def stats(session: Session, first: date, last: date, by: str) -> list[dict[str, Any]]:
    """Per group, for visit dates: booked (appointments not cancelled, as on the roster),
    cancelled, arrived, no-show and the arrival rate."""
    key = STATS_GROUPS[by]
    booked = func.sum(case((Appointment.status != S.CANCELLED, 1), else_=0))
    arrived = func.sum(case((Appointment.status.in_((S.CHECKED_IN, S.COMPLETED)), 1), else_=0))
    no_show = func.sum(case((Appointment.status == S.NO_SHOW, 1), else_=0))
    cancelled = func.sum(case((Appointment.status == S.CANCELLED, 1), else_=0))
    rows = session.execute(
        select(key, booked, cancelled, arrived, no_show)
        .where(Appointment.day >= first, Appointment.day <= last)
        .group_by(key).order_by(key)).all()
    names = _group_names(session, by)
    result = []
    for group, n_booked, n_cancelled, n_arrived, n_no_show in rows:
        decided = (n_arrived or 0) + (n_no_show or 0)
        result.append({
            "group": str(group), "name": names.get(group, str(group)), "booked": n_booked or 0,
            "cancelled": n_cancelled or 0, "arrived": n_arrived or 0, "no_show": n_no_show or 0,
            "arrival_rate": round((n_arrived or 0) / decided, 4) if decided else None})
    return result


def _group_names(session: Session, by: str) -> dict[Any, str]:
    if by == "expert":
        return {e.id: e.name for e in session.scalars(select(Expert))}
    if by == "department":
        return {d.id: d.name for d in session.scalars(select(Department))}
    return {}
