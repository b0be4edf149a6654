"""Complaints: recorded, given an owner and a due day, resolved, closed by a call."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services.common.patient_identity import name_key
from services.common.refusals import Forbidden, Invalid, NotFound, Refused

from ..domain.calling import FollowupDesk
from ..domain.complaints import (
    About,
    ComplaintStatus,
    can_close,
    can_resolve,
    check_new,
    due_day,
)
from ..models import Complaint
from ..reads.directory import active_departments, experts_by_department
from ..reads.staff import colleagues
from .tasks import holds_claim, locked


def record(session: Session, desk: FollowupDesk, *, source: str, what: str, wish: str,
           about: About, patient_name: str = "", phone: str = "",
           task_id: int | None = None, owner: str | None = None,
           due_on: date | None = None) -> Complaint:
    """A new complaint, owned by whoever recorded it unless they name a colleague. From a
    call card (``task_id``) the patient is the task's, for the one holding its claim."""
    if task_id is not None:
        task = locked(session, task_id)
        if not holds_claim(task, desk):
            raise Refused("not_claimed", "Claim the task to record its patient's complaint.")
        patient_name, phone = task.name, task.phone
    if not patient_name.strip() or not phone:
        raise Invalid("patient_required", "Give the patient's name and phone.",
                      field="patient_name")
    departments = {d_id for d_id, _ in active_departments(session)}
    check_new(source=source, what=what, wish=wish, about=about, departments=departments,
              experts=experts_by_department(session))
    row = Complaint(source=source, task_id=task_id, patient_name=patient_name.strip(),
                    name_key=name_key(patient_name), phone=phone, what=what.strip(),
                    wish=wish.strip(), department_id=about.department_id,
                    expert_id=about.expert_id, status=ComplaintStatus.OPEN,
                    owner=checked_owner(session, desk, owner),
                    due_on=due_day(desk.today, due_on, desk.today), resolution="",
                    closing_note="", recorded_by=desk.by, created_at=desk.now,
                    updated_at=desk.now)
    session.add(row)
    session.flush()
    return row


def checked_owner(session: Session, desk: FollowupDesk, owner: str | None) -> str:
    if not owner or owner == desk.by:
        return desk.by
    if owner not in colleagues(session):
        raise Invalid("unknown_colleague", "Give the complaint to a colleague of the desk.",
                      field="owner")
    return owner


def found(session: Session, complaint_id: int) -> Complaint:
    row = session.get(Complaint, complaint_id, with_for_update=True)
    if row is None:
        raise NotFound("complaint", code="not_found")
    return row


def assign(session: Session, desk: FollowupDesk, complaint_id: int, *, owner: str,
           due_on: date | None) -> Complaint:
    """A manager gives it to another owner, or another due day."""
    row = found(session, complaint_id)
    row.owner = checked_owner(session, desk, owner) if owner != row.owner else owner
    if due_on is not None:
        row.due_on = due_day(desk.today, due_on, desk.today)
    row.updated_at = desk.now
    return row


def resolve(session: Session, desk: FollowupDesk, complaint_id: int, resolution: str, *,
            manager: bool) -> Complaint:
    """What the hospital did, recorded by the owner (or a manager)."""
    row = found(session, complaint_id)
    owns(row, desk, manager)
    can_resolve(row.status, resolution)
    row.status, row.resolution = ComplaintStatus.RESOLVED, resolution.strip()
    row.resolved_at = row.updated_at = desk.now
    return row


def close(session: Session, desk: FollowupDesk, complaint_id: int, note: str, *,
          manager: bool) -> Complaint:
    """The closing call: the patient was told what was done; what they said."""
    row = found(session, complaint_id)
    owns(row, desk, manager)
    can_close(row.status, note)
    row.status, row.closing_note = ComplaintStatus.CLOSED, note.strip()
    row.closed_at = row.updated_at = desk.now
    return row


def owns(row: Complaint, desk: FollowupDesk, manager: bool) -> None:
    if row.owner != desk.by and not manager:
        raise Forbidden("not_owner", "Only the complaint's owner or a manager does this.")
