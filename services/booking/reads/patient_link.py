"""What a patient's link shows: their appointment, what they may still do with it, and
the places they may move to."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.common.phones import language_for

from ..domain.alternatives import Alternative
from ..domain.facts import AppointmentFacts
from ..domain.rules import BookingDesk, Invalid
from ..domain.statuses import ACTIVE, BY_THE_HOSPITAL, AppointmentStatus
from ..models import Appointment, Slot, StatusChange
from .alternatives import alternatives_for
from .appointments import load_facts

#: How many places a link offers to move to.
OFFERED = 4


def offered_places(session: Session, desk: BookingDesk,
                   facts: AppointmentFacts) -> list[Alternative]:
    """The places the patient may move to: the same expert's next free ones, then the
    department's nearest — none once the visit can no longer be changed online, and only
    places the patient could still cancel online once there (starting after
    :func:`movable_after`): a tap must not land them in a visit they cannot undo."""
    if not can_move(facts, desk) or replaced_by(session, facts) is not None:
        return []
    # The booking rules' own choice, with the patient's cut-off as the booking cut-off
    # where it is the later one: the query asks for what may be offered, so a morning of
    # places too near does not crowd out the later ones.
    window = desk.rules.window
    patient_cutoff = desk.rules.cancel_window.patient_cutoff_minutes
    if patient_cutoff > window.cutoff_minutes:
        window = replace(window, cutoff_minutes=patient_cutoff)
    places = alternatives_for(session, replace(desk, rules=replace(desk.rules, window=window)),
                              expert_id=facts.expert.id,
                              department_id=facts.department.id if facts.department else 0,
                              start=facts.slot.start, limit=OFFERED + 1)
    after = movable_after(desk)
    return [p for p in places if p.slot_id != facts.slot.slot_id and p.start > after][:OFFERED]


def movable_after(desk: BookingDesk) -> datetime:
    """A patient moves only to a place starting after this: one they may still cancel
    (or move again) online, as their cut-off allows."""
    return desk.now + timedelta(minutes=desk.rules.cancel_window.patient_cutoff_minutes)


def refuse_too_soon(session: Session, desk: BookingDesk, slot_id: int) -> None:
    """Refuse a place the patient could no longer cancel online once moved there, whatever
    the page showed (a stale page, a hand-made request)."""
    start = session.scalar(select(Slot.start_at).where(Slot.id == slot_id))
    if start is not None and start <= movable_after(desk):
        raise Invalid("too_soon", "This place starts too soon: once moved there, the "
                      "patient could no longer cancel online.")


def cancel_until(facts: AppointmentFacts, desk: BookingDesk) -> Any:
    return facts.slot.start - timedelta(minutes=desk.rules.cancel_window.patient_cutoff_minutes)


def can_cancel(facts: AppointmentFacts, desk: BookingDesk) -> bool:
    return facts.status == AppointmentStatus.BOOKED and desk.now < cancel_until(facts, desk)


def cancelled_by_hospital(facts: AppointmentFacts) -> bool:
    return facts.status == AppointmentStatus.CANCELLED and facts.cancel_reason in BY_THE_HOSPITAL


def can_move(facts: AppointmentFacts, desk: BookingDesk) -> bool:
    return can_cancel(facts, desk) or cancelled_by_hospital(facts)


def replaced_by(session: Session, facts: AppointmentFacts) -> int | None:
    """The patient's live appointment booked after this one was cancelled, if any — the
    desk rebooked them (another code, its own SMS and link). The old link then offers no
    place: taking one would book the patient twice (or be refused as a duplicate). One
    in the same department comes first, then the one booked first."""
    if facts.status != AppointmentStatus.CANCELLED:
        return None
    cancelled_at = session.scalar(
        select(func.max(StatusChange.at)).where(
            StatusChange.appointment_id == facts.id,
            StatusChange.to_status == AppointmentStatus.CANCELLED.value))
    if cancelled_at is None:
        return None
    department_id = facts.department.id if facts.department else 0
    return session.scalar(
        select(Appointment.id).where(
            Appointment.patient_id == facts.patient.id, Appointment.id != facts.id,
            Appointment.status.in_([s.value for s in ACTIVE]),
            Appointment.created_at >= cancelled_at)
        .order_by(case((Appointment.department_id == department_id, 0), else_=1),
                  Appointment.created_at, Appointment.id)
        .limit(1))


def replacement_view(session: Session, desk: BookingDesk, facts: AppointmentFacts
                     ) -> dict[str, Any] | None:
    """The new visit as the old link names it: when, with whom, where — not its code or
    link, which its own SMS carries."""
    found = replaced_by(session, facts)
    if found is None:
        return None
    new = load_facts(session, desk, found)
    return {"start": new.local_start, "end": new.local_end, "expert": new.expert.name,
            "expert_title": new.expert.title,
            "department": new.department.name if new.department else ""}


def patient_view(session: Session, desk: BookingDesk, facts: AppointmentFacts,
                 phone_region: str) -> dict[str, Any]:
    """What the patient sees: their name masked, the facts of the visit, whether (and
    until when) they may cancel or move it, and where to."""
    department, hospital = facts.department, facts.hospital
    home_language = hospital.language if hospital else "zh-CN"
    return {
        "code": facts.code, "status": facts.status.value, "queue_number": facts.queue_number,
        "start": facts.local_start, "end": facts.local_end,
        "patient_name": facts.patient.name[:1] + "*",
        "language": language_for(facts.patient.phone, phone_region, home_language),
        "expert": facts.expert.name, "expert_title": facts.expert.title,
        "department": department.name if department else "",
        "location": department.location if department else "",
        "hospital": {"name": hospital.name, "address": hospital.address,
                     "directions": hospital.directions, "phone": hospital.phone,
                     "time_zone": hospital.time_zone, "language": hospital.language}
        if hospital else {},
        "cancelled_by_hospital": cancelled_by_hospital(facts),
        "replaced_by": replacement_view(session, desk, facts),
        "cancel_reason": facts.cancel_reason, "cancel_note": facts.cancel_note,
        "can_cancel": can_cancel(facts, desk), "today": desk.today,
        "cancel_until": cancel_until(facts, desk).astimezone(desk.zone),
        "alternatives": [{"slot_id": p.slot_id, "expert": p.expert_name,
                          "start": p.start.astimezone(desk.zone), "remaining": p.remaining}
                         for p in offered_places(session, desk, facts)],
    }
