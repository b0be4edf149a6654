"""The front desk's day and the manager's counts, read from booking's tables."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone

from .desk import Desk
from .models import Appointment, Department, Expert, Patient, Slot


def _counts(rows: list[dict[str, Any]], capacity: int, held: int) -> dict[str, int]:
    by_status = defaultdict(int)
    for row in rows:
        by_status[row["status"]] += 1
    live = sum(by_status[s] for s in ("booked", "checked_in", "completed", "no_show"))
    overbooked = sum(1 for r in rows if r["overbooked"] and r["status"] != "cancelled")
    return {
        "booked": live, "arrived": by_status["checked_in"] + by_status["completed"],
        "waiting": by_status["booked"], "no_show": by_status["no_show"],
        "cancelled": by_status["cancelled"], "overbooked": overbooked,
        "remaining": max(capacity - (live - overbooked) - held, 0),
    }


def roster(session: Session, desk: Desk, day: date, department_id: int | None = None,
           expert_id: int | None = None) -> dict[str, Any]:
    """Every expert's sessions that day with their patients in queue order, and counts."""
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
        by_slot[appointment.slot_id].append(_line(appointment, patient, desk))

    sessions: dict[tuple[int, str], dict[str, Any]] = {}
    for slot in slot_rows:
        key = (slot.expert_id, slot.session)
        entry = sessions.setdefault(key, {"session": slot.session, "start": None, "end": None,
                                          "capacity": 0, "held": 0, "appointments": []})
        local_start, local_end = (slot.start_at.astimezone(desk.zone),
                                  slot.end_at.astimezone(desk.zone))
        entry["start"] = min(entry["start"] or local_start, local_start)
        entry["end"] = max(entry["end"] or local_end, local_end)
        if slot.status == "active":
            entry["capacity"] += slot.capacity
            entry["held"] += slot.held
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
        entry["counts"] = _counts(entry["appointments"], entry.pop("capacity"),
                                  entry.pop("held"))
        block["sessions"].append(entry)
    total: dict[str, int] = defaultdict(int)
    for block in grouped.values():
        block["sessions"].sort(key=lambda s: s["start"])
        for entry in block["sessions"]:
            for name, value in entry["counts"].items():
                total[name] += value
    return {"date": day, "time_zone": desk.zone.key, "counts": dict(total),
            "experts": list(grouped.values())}


def _line(appointment: Appointment, patient: Patient, desk: Desk) -> dict[str, Any]:
    return {"id": appointment.id, "code": appointment.code,
            "queue_number": appointment.queue_number, "status": appointment.status,
            "patient_name": patient.name, "phone": mask_phone(patient.phone),
            "channel": appointment.channel, "overbooked": appointment.overbooked,
            "overbook_reason": appointment.overbook_reason,
            "complaint": appointment.complaint,
            "checked_in_at": appointment.checked_in_at.astimezone(desk.zone)
            if appointment.checked_in_at else None}


CSV_COLUMNS = ("date", "department", "expert", "session", "queue_number", "slot_start", "code",
               "patient", "phone", "status", "channel", "overbooked")


def roster_csv(view: dict[str, Any]) -> str:
    """The roster as CSV (phones masked), with a BOM so spreadsheet programs read Chinese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for block in view["experts"]:
        department = (block["department"] or {}).get("name", "")
        for entry in block["sessions"]:
            for line in entry["appointments"]:
                writer.writerow([view["date"].isoformat(), department, block["expert"]["name"],
                                 entry["session"], line["queue_number"],
                                 line["slot_start"].strftime("%H:%M"), line["code"],
                                 line["patient_name"], line["phone"], line["status"],
                                 line["channel"], "yes" if line["overbooked"] else ""])
    return out.getvalue()


STATS_GROUPS = {
    "consultant": Appointment.booked_by,
    "channel": Appointment.channel,
    "department": Appointment.department_id,
    "expert": Appointment.expert_id,
}


def stats(session: Session, first: date, last: date, by: str) -> list[dict[str, Any]]:
    """Per group: booked, cancelled, arrived, no-show and arrival rate for visit dates."""
    key = STATS_GROUPS[by]
    arrived = func.sum(case((Appointment.status.in_(("checked_in", "completed")), 1), else_=0))
    no_show = func.sum(case((Appointment.status == "no_show", 1), else_=0))
    cancelled = func.sum(case((Appointment.status == "cancelled", 1), else_=0))
    rows = session.execute(
        select(key, func.count(), cancelled, arrived, no_show)
        .where(Appointment.day >= first, Appointment.day <= last)
        .group_by(key).order_by(key)).all()
    names = _group_names(session, by)
    result = []
    for group, booked, n_cancelled, n_arrived, n_no_show in rows:
        decided = (n_arrived or 0) + (n_no_show or 0)
        result.append({
            "group": str(group), "name": names.get(group, str(group)), "booked": booked,
            "cancelled": n_cancelled or 0, "arrived": n_arrived or 0, "no_show": n_no_show or 0,
            "arrival_rate": round((n_arrived or 0) / decided, 4) if decided else None})
    return result


def _group_names(session: Session, by: str) -> dict[Any, str]:
    if by == "expert":
        return {e.id: e.name for e in session.scalars(select(Expert))}
    if by == "department":
        return {d.id: d.name for d in session.scalars(select(Department))}
    return {}


