"""Which experts' patients do not come: the no-show rate per expert over a range of days."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.statuses import AppointmentStatus as S
from ..models import Appointment, Expert


def no_show_rate(session: Session, first: date, last: date) -> list[dict[str, Any]]:
    """Per expert with a decided visit in the range (arrived or not): the decided visits,
    the no-shows and their share; a visit still only booked is not decided yet."""
    no_show = func.sum(case((Appointment.status == S.NO_SHOW, 1), else_=0))
    rows = session.execute(
        select(Appointment.expert_id, Expert.name, func.count(), no_show)
        .join(Expert, Expert.id == Appointment.expert_id)
        .where(Appointment.day >= first, Appointment.day <= last,
               Appointment.status.in_((S.CHECKED_IN, S.COMPLETED, S.NO_SHOW)))
        .group_by(Appointment.expert_id, Expert.name).order_by(Appointment.expert_id)).all()
    return [{"expert_id": expert_id, "name": name, "decided": decided,
             "no_show": missed or 0, "no_show_rate": round((missed or 0) / decided, 4)}
            for expert_id, name, decided, missed in rows]
