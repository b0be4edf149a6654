"""The worklist and the call card: who to call, when, and the facts to tell."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone
from services.common.phones import mask_in_text

from ..domain.calling import FollowupDesk, call_seconds
from ..domain.etiquette import greeting, repeat_back
from ..domain.objections import answers
from ..domain.satisfaction import QUESTIONS
from ..domain.statuses import TaskKind, TaskStatus
from ..models import CallAttempt, KnownAppointment, SatisfactionAnswer, Task, TaskHandover
from .staff import staff_names

#: A call due longer ago than this is overdue (one spacing: it should have been made).
OVERDUE_AFTER = timedelta(hours=2)


def section(task: Task, desk: FollowupDesk) -> str:
    if task.due_at > desk.now:
        return "later"
    return "overdue" if desk.now - task.due_at > OVERDUE_AFTER else "due_now"


def first_in_line() -> Any:
    """Hospital cancellations no SMS reached come first, then by due time."""
    return case((Task.kind == TaskKind.HOSPITAL_CANCELLED, case((Task.sms_reached, 1),
                                                                else_=0)), else_=1)


def worklist(session: Session, desk: FollowupDesk, *, status: str = TaskStatus.OPEN,
             kind: str | None = None, due_before: Any = None,
             limit: int = 200) -> list[dict[str, Any]]:
    statement = (select(Task).where(Task.status == status)
                 .order_by(first_in_line(), Task.due_at, Task.id).limit(limit))
    if kind:
        statement = statement.where(Task.kind == kind)
    if due_before is not None:
        statement = statement.where(Task.due_at <= due_before)
    tasks = list(session.scalars(statement))
    names = staff_names(session, (task.claimed_by for task in tasks))
    return [view(task, desk, full=False, names=names) for task in tasks]


def view(task: Task, desk: FollowupDesk, *, full: bool,
         names: dict[str, str] | None = None) -> dict[str, Any]:
    """A task as the worklist shows it; the full phone only on the claimer's call card.
    ``names`` gives staff members' display names by username."""
    claimed = task.claimed_until is not None and task.claimed_until > desk.now
    names = names or {}
    return {
        "id": task.id, "kind": task.kind, "status": task.status,
        "patient": {"id": task.patient_id, "name": task.name,
                    "phone": task.phone if full else mask_phone(task.phone)},
        "due_at": task.due_at, "attempts": task.attempts, "last_outcome": task.last_outcome,
        "sms_reached": task.sms_reached, "context": context_of(task, full=full),
        "claimed_by": task.claimed_by if claimed else None,
        "claimed_until": task.claimed_until if claimed else None,
        "claimed_by_name": names.get(task.claimed_by or "", task.claimed_by)
        if claimed else None,
        "booked_code": task.booked_code, "closed_at": task.closed_at,
        "section": section(task, desk) if task.status == TaskStatus.OPEN else None,
        "enquiry_id": task.enquiry_id, "appointment_id": task.appointment_id,
        "redial_pending": task.redial_pending,
        "dialled_at": task.dialled_at if claimed and task.dialled_by == task.claimed_by
        else None,
    }


#: Free text in a task's context: what the patient asked, the desk's note.
FREE_TEXT = ("complaint", "note")


def context_of(task: Task, *, full: bool) -> dict[str, Any]:
    """What happened; a phone or identity number written into its free text is masked
    except on the claimer's call card (``full``)."""
    context: dict[str, Any] = json.loads(task.context or "{}")
    if not full:
        for key in FREE_TEXT:
            if isinstance(context.get(key), str):
                context[key] = mask_in_text(context[key])
    return context


def recorded_by(task: Task) -> str | None:
    """Who recorded the enquiry the task calls back, as its context keeps it."""
    by = json.loads(task.context or "{}").get("recorded_by")
    return str(by) if by else None


def calls_of(session: Session, task_id: int, *, full: bool) -> list[dict[str, Any]]:
    """The calls so far; a phone or identity number in a call's note is masked except on
    the claimer's call card (``full``), as in the task's own free text."""
    rows = list(session.scalars(select(CallAttempt).where(CallAttempt.task_id == task_id)
                                .order_by(CallAttempt.id)))
    names = staff_names(session, (r.by for r in rows))
    scores = {a.call_id: {q: getattr(a, q) for q in QUESTIONS} for a in session.scalars(
        select(SatisfactionAnswer).where(SatisfactionAnswer.task_id == task_id))}
    return [{"at": r.at, "by": r.by, "by_name": names.get(r.by, r.by), "outcome": r.outcome,
             "note": r.note if full else mask_in_text(r.note), "call_back_at": r.call_back_at,
             "appointment_code": r.appointment_code, "started_at": r.started_at,
             "seconds": call_seconds(r.started_at, r.at), "objection": r.objection,
             "scores": scores.get(r.id)}
            for r in rows]


def objection_answers(task: Task, hospital: Any, kinds: tuple[str, ...],
                      shared: dict[str, str] | None = None) -> dict[str, Any]:
    """For each objection, the facts the desk holds that answer it: the fee of the visit,
    the hospital's address, route and phone, the expert, the places offered instead, and
    the shared answers on 医保 and parking (``shared``, by topic)."""
    context = context_of(task, full=False)
    alternatives = context.get("alternatives") or []
    shared = shared or {}
    facts = {"fee": str(context.get("fee") or shared.get("fees") or ""),
             "insurance": shared.get("insurance", ""), "parking": shared.get("parking", ""),
             "expert": str(context.get("expert") or ""),
             "department": str(context.get("department") or ""),
             "alternatives": str(len(alternatives)) if alternatives else "",
             "address": hospital.address if hospital else "",
             "directions": hospital.directions if hospital else "",
             "hospital_phone": hospital.phone if hospital else ""}
    return {kind: [{"fact": name, "value": value} for name, value in answers(kind, facts)]
            for kind in kinds}


def get_task(session: Session, task_id: int) -> Task | None:
    return session.get(Task, task_id)


def handovers_of(session: Session, task_id: int, *, full: bool) -> list[dict[str, Any]]:
    """Who handed the task to whom (none: back to the list), when, with the note."""
    rows = list(session.scalars(select(TaskHandover).where(TaskHandover.task_id == task_id)
                                .order_by(TaskHandover.id)))
    names = staff_names(session, [name for r in rows for name in (r.by, r.to)])
    return [{"at": r.at, "by": r.by, "by_name": names.get(r.by, r.by), "to": r.to,
             "to_name": names.get(r.to, r.to) if r.to else None,
             "note": r.note if full else mask_in_text(r.note)} for r in rows]


def agreed(session: Session, task: Task) -> KnownAppointment | None:
    """The appointment this call agreed on: the one that closed the task as booked, else
    the patient's newest made since the task opened (booked from the card, its event on
    the way), if it still stands."""
    statement = select(KnownAppointment).where(
        KnownAppointment.phone == task.phone, KnownAppointment.name_key == task.name_key,
        KnownAppointment.cancelled_at.is_(None))
    if task.booked_code:
        statement = statement.where(KnownAppointment.code == task.booked_code)
    else:
        statement = statement.where(KnownAppointment.booked_at >= task.created_at)
    return session.scalars(statement.order_by(KnownAppointment.booked_at.desc())).first()


def etiquette(session: Session, task: Task, desk: FollowupDesk, hospital: Any,
              caller: str) -> dict[str, Any]:
    """The greeting's pieces and the facts to repeat back at the end (SPEC §15)."""
    said = greeting(task.kind, hospital.name if hospital else "", caller,
                    context_of(task, full=False), desk.zone)
    made = agreed(session, task)
    back = repeat_back(made.start, made.place or "", made.code, desk.zone) if made else []
    return {"greeting": {"hospital": said.hospital, "caller": said.caller, "why": said.why,
                         "about": said.about, "expert": said.expert},
            "repeat_back": [{"fact": name, "value": value} for name, value in back]}
