"""The waitlist as the desk sees it: in order, phones masked."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone

from ..domain.statuses import WaitStatus
from ..models import Appointment, Patient, WaitlistEntry


def position(session: Session, entry: WaitlistEntry) -> int | None:
    """1 for the next to be booked; None once the entry no longer waits."""
    if entry.status != WaitStatus.WAITING:
        return None
    return session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.expert_id == entry.expert_id, WaitlistEntry.day == entry.day,
        WaitlistEntry.status == WaitStatus.WAITING, WaitlistEntry.id <= entry.id))


def entry_view(session: Session, entry: WaitlistEntry) -> dict[str, Any]:
    patient = session.get(Patient, entry.patient_id)
    code = (session.scalar(select(Appointment.code).where(
        Appointment.id == entry.appointment_id)) if entry.appointment_id else None)
    return {
        "id": entry.id, "position": position(session, entry), "status": entry.status,
        "expert_id": entry.expert_id, "date": entry.day,
        "patient": {"id": entry.patient_id, "name": patient.name if patient else "",
                    "phone": mask_phone(patient.phone) if patient else ""},
        "channel": entry.channel, "added_by": entry.added_by, "created_at": entry.created_at,
        "appointment_id": entry.appointment_id, "appointment_code": code,
        "ended_at": entry.ended_at, "end_reason": entry.end_reason,
    }


def entries(session: Session, expert_id: int, day: date) -> list[dict[str, Any]]:
    waiting_first = case((WaitlistEntry.status == WaitStatus.WAITING, 0), else_=1)
    rows = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.expert_id == expert_id, WaitlistEntry.day == day)
        .order_by(waiting_first, WaitlistEntry.id))
    return [entry_view(session, entry) for entry in rows]
