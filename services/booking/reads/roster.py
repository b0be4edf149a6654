"""The front desk's day: every expert's sessions with their patients in queue order."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone
from services.common.phones import mask_in_text

from ..domain.rules import BookingDesk
from ..domain.statuses import AppointmentStatus as S
from ..domain.statuses import SlotStatus
from ..models import Appointment, Department, Expert, Patient, Slot


def _counts(rows: list[dict[str, Any]], remaining: int) -> dict[str, int]:
    """``booked`` is every appointment not cancelled (as in the stats); ``remaining`` the
    places still free in slots not yet over."""
    by_status: dict[str, int] = defaultdict(int)
    for row in rows:
        by_status[row["status"]] += 1
    live = sum(by_status[s] for s in (S.BOOKED, S.CHECKED_IN, S.COMPLETED, S.NO_SHOW))
    overbooked = sum(1 for r in rows if r["overbooked"] and r["status"] != S.CANCELLED)
    return {
        "booked": live, "arrived": by_status[S.CHECKED_IN] + by_status[S.COMPLETED],
        "waiting": by_status[S.BOOKED], "no_show": by_status[S.NO_SHOW],
        "cancelled": by_status[S.CANCELLED], "overbooked": overbooked,
        "remaining": remaining,
    }


def roster(session: Session, desk: BookingDesk, day: date, department_id: int | None = None,
           expert_id: int | None = None, complaints: bool = False) -> dict[str, Any]:
    """Every expert's sessions that day with their patients in queue order, and counts.
    Phones are masked; the complaint only for the desks that see patients."""
    slots = select(Slot).where(Slot.day == day)
    if department_id:
        slots = slots.where(Slot.department_id == department_id)
    if expert_id:
        slots = slots.where(Slot.expert_id == expert_id)
    slot_rows = session.scalars(slots.order_by(Slot.expert_id, Slot.start_at)).all()
    slot_ids = [s.id for s in slot_rows]
    appointments = session.execute(
        select(Appointment, Patient).join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.slot_id.in_(slot_ids)).order_by(Appointment.queue_number)).all()
    experts = {e.id: e for e in session.scalars(
        select(Expert).where(Expert.id.in_({s.expert_id for s in slot_rows})))}
    departments = {d.id: d for d in session.scalars(select(Department))}
    by_slot: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for appointment, patient in appointments:
        by_slot[appointment.slot_id].append(_line(appointment, patient, desk, complaints))

    sessions: dict[tuple[int, str], dict[str, Any]] = {}
    for slot in slot_rows:
        key = (slot.expert_id, slot.session)
        entry = sessions.setdefault(key, {"session": slot.session, "start": None, "end": None,
                                          "remaining": 0, "appointments": [],
                                          "stopped_slots": 0, "reasons": set()})
        local_start, local_end = (slot.start_at.astimezone(desk.zone),
                                  slot.end_at.astimezone(desk.zone))
        entry["start"] = min(entry["start"] or local_start, local_start)
        entry["end"] = max(entry["end"] or local_end, local_end)
        if slot.status == SlotStatus.ACTIVE:
            if slot.end_at > desk.now:  # a place in a slot that is over can't be filled
                entry["remaining"] += max(slot.capacity - slot.booked - slot.held, 0)
        else:  # 停诊: the desk tells the patients who come anyway why
            entry["stopped_slots"] += 1
            entry["reasons"].add(slot.cancel_reason or "")
        for line in by_slot[slot.id]:
            entry["appointments"].append({**line, "slot_start": local_start})
    grouped: dict[int, dict[str, Any]] = {}
    for (expert_id_, _), entry in sessions.items():
        expert = experts[expert_id_]
        department = departments.get(expert.department_id)
        block = grouped.setdefault(expert_id_, {
            "expert": {"id": expert.id, "name": expert.name, "title": expert.title},
            "department": {"id": department.id, "name": department.name} if department else None,
            "sessions": []})
        entry["appointments"].sort(key=lambda a: a["queue_number"])
        entry["stop_reason"] = "；".join(sorted(r for r in entry.pop("reasons") if r))
        entry["counts"] = _counts(entry["appointments"], entry.pop("remaining"))
        block["sessions"].append(entry)
    total: dict[str, int] = defaultdict(int)
    for block in grouped.values():
        block["sessions"].sort(key=lambda s: s["start"])
        for entry in block["sessions"]:
            for name, value in entry["counts"].items():
                total[name] += value
    return {"date": day, "time_zone": desk.zone.key, "counts": dict(total),
            "experts": list(grouped.values())}


def _line(appointment: Appointment, patient: Patient, desk: BookingDesk,
          complaints: bool) -> dict[str, Any]:
    line = {"id": appointment.id, "code": appointment.code,
            "queue_number": appointment.queue_number, "status": appointment.status,
            "patient_name": patient.name, "phone": mask_phone(patient.phone),
            "channel": appointment.channel, "overbooked": appointment.overbooked,
            "overbook_reason": appointment.overbook_reason,
            "cancel_reason": appointment.cancel_reason,
            "checked_in_at": appointment.checked_in_at.astimezone(desk.zone)
            if appointment.checked_in_at else None}
    if complaints:
        line["complaint"] = mask_in_text(appointment.complaint)  # a list: masked
    return line
