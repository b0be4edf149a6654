"""Complaints as the desk and the managers read them: lists name the department and
expert from the directory and mask the phone; the free text is on the complaint's own
page only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone

from ..domain.calling import FollowupDesk
from ..domain.complaints import ComplaintStatus, Row, by_department, overdue
from ..models import Complaint, KnownPatient, Task
from .directory import names
from .staff import staff_names

STATES = ("open", "overdue", "closed", "all")


def complaints(session: Session, desk: FollowupDesk, state: str = "open",
               limit: int = 200) -> list[dict[str, Any]]:
    """``open``: not yet closed; ``overdue``: of those, past their due day; ``closed``."""
    statement = select(Complaint).order_by(Complaint.due_on, Complaint.id).limit(limit)
    if state in ("open", "overdue"):
        statement = statement.where(Complaint.status != ComplaintStatus.CLOSED)
    if state == "overdue":
        statement = statement.where(Complaint.due_on < desk.today)
    if state == "closed":
        statement = statement.where(Complaint.status == ComplaintStatus.CLOSED)
    rows = list(session.scalars(statement))
    departments, experts = names(session)
    people = staff_names(session, [r.owner for r in rows])
    return [summary(r, desk, departments, experts, people) for r in rows]


def summary(row: Complaint, desk: FollowupDesk, departments: dict[int, str],
            experts: dict[int, str], people: dict[str, str]) -> dict[str, Any]:
    return {"id": row.id, "source": row.source, "status": row.status,
            "patient": {"name": row.patient_name, "phone": mask_phone(row.phone)},
            "department_id": row.department_id,
            "department": departments.get(row.department_id, ""),
            "expert_id": row.expert_id,
            "expert": experts.get(row.expert_id, "") if row.expert_id else "",
            "owner": row.owner, "owner_name": people.get(row.owner, row.owner),
            "due_on": row.due_on, "overdue": overdue(row.status, row.due_on, desk.today),
            "created_at": row.created_at, "closed_at": row.closed_at}


def complaint(session: Session, desk: FollowupDesk, row: Complaint, *,
              full: bool) -> dict[str, Any]:
    """One complaint with what happened, what the patient wants and what was done; the
    full phone only for its owner (for the closing call)."""
    departments, experts = names(session)
    people = staff_names(session, [row.owner, row.recorded_by])
    out = summary(row, desk, departments, experts, people)
    if full:
        out["patient"]["phone"] = row.phone
    return {**out, "what": row.what, "wish": row.wish, "resolution": row.resolution,
            "resolved_at": row.resolved_at, "closing_note": row.closing_note,
            "recorded_by": row.recorded_by,
            "recorded_by_name": people.get(row.recorded_by, row.recorded_by),
            "task_id": row.task_id}


def department_summary(session: Session, desk: FollowupDesk, after: datetime,
                       before: datetime) -> list[dict[str, Any]]:
    """Complaints recorded in the period, by department: open, overdue, closed, and the
    median hours from recording to the closing call."""
    rows = [Row(r.department_id, r.status, r.due_on, r.created_at, r.closed_at)
            for r in session.scalars(select(Complaint).where(
                Complaint.created_at >= after, Complaint.created_at < before))]
    departments, _ = names(session)
    counted = by_department(rows, desk.today)
    return [{"department_id": d, "department": departments.get(d, str(d)), **counts}
            for d, counts in sorted(counted.items())]


def patient_id_of(session: Session, row: Complaint) -> int | None:
    """Booking's id of the complainant, where followup knows it (their task's, or by
    phone and name), so a read of their phone shows in their access log."""
    if row.task_id is not None:
        task = session.get(Task, row.task_id)
        if task is not None and task.patient_id is not None:
            return task.patient_id
    return session.scalar(select(KnownPatient.patient_id).where(
        KnownPatient.phone == row.phone, KnownPatient.name_key == row.name_key))
