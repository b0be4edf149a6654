"""What the FHIR searches read (SPEC §13): booking's own queries, paged.

Each search answers ``(total, the page)``: a count and the page's rows, two queries,
whatever the page. Slots are read as the console reads them (``reads/availability``:
one query for the whole range, held places net of expired holds), so a Slot's
``remaining`` is the number the desk sees.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.facts import AppointmentFacts
from ..domain.fhir import DepartmentEntry, ExpertEntry, Page, Range, SlotEntry, slot_status
from ..domain.rules import BookingDesk, Invalid, NotFound
from ..domain.statuses import SlotStatus
from ..models import Appointment, Department, Expert
from .appointments import appointments_joined, facts_of
from .availability import Judge, Row, slot_named, slot_rows

#: The widest range of days one Slot search reads (a month of a department is ~50 000).
MAX_SLOT_DAYS = 31
#: A Slot search without ``start=lt…`` reads this many days from its first.
DEFAULT_SLOT_DAYS = 7


def paged(session: Session, count: Select[int], rows: Select[*tuple[Any, ...]],
          page: Page) -> tuple[int, list[Any]]:
    """The total of ``count`` and one page of ``rows`` (skipped when ``_count=0``)."""
    total = session.execute(count).scalar_one()
    if page.count == 0 or page.offset >= total:
        return total, []
    return total, list(session.execute(rows.limit(page.count).offset(page.offset)).all())


# --- experts and departments --------------------------------------------------------------

def experts(session: Session, page: Page, *, expert_id: int | None = None,
            code: str | None = None, name: str | None = None, active: bool | None = None,
            department_id: int | None = None) -> tuple[int, list[ExpertEntry]]:
    """Experts (Practitioner, PractitionerRole, Schedule), in id order."""
    conditions: list[Any] = []
    if expert_id is not None:
        conditions.append(Expert.id == expert_id)
    if code is not None:
        conditions.append(Expert.code == code)
    if name is not None:
        conditions.append(Expert.name.contains(name, autoescape=True))
    if active is not None:
        conditions.append(Expert.active.is_(active))
    if department_id is not None:
        conditions.append(Expert.department_id == department_id)
    total, rows = paged(
        session, select(func.count()).select_from(Expert).where(*conditions),
        select(Expert, Department.name)
        .outerjoin(Department, Department.id == Expert.department_id)
        .where(*conditions).order_by(Expert.id), page)
    return total, [ExpertEntry(id=e.id, code=e.code, name=e.name, title=e.title,
                               specialty=e.specialty, department_id=e.department_id,
                               department_name=department or "", active=e.active)
                   for e, department in rows]


def expert(session: Session, expert_id: int, *, active_only: bool = False) -> ExpertEntry:
    _, found = experts(session, Page(1, 0), expert_id=expert_id,
                       active=True if active_only else None)
    if not found:
        raise NotFound("schedule" if active_only else "practitioner")
    return found[0]


def departments(session: Session, page: Page, *, department_id: int | None = None,
                code: str | None = None, name: str | None = None,
                active: bool | None = None) -> tuple[int, list[DepartmentEntry]]:
    """Departments (HealthcareService), in id order."""
    conditions: list[Any] = []
    if department_id is not None:
        conditions.append(Department.id == department_id)
    if code is not None:
        conditions.append(Department.code == code)
    if name is not None:
        conditions.append(Department.name.contains(name, autoescape=True))
    if active is not None:
        conditions.append(Department.active.is_(active))
    total, rows = paged(
        session, select(func.count()).select_from(Department).where(*conditions),
        select(Department).where(*conditions).order_by(Department.id), page)
    return total, [DepartmentEntry(id=d.id, code=d.code, name=d.name, location=d.location,
                                   active=d.active) for (d,) in rows]


# --- slots ------------------------------------------------------------------------------

def slot_days(desk: BookingDesk, within: Range) -> tuple[date, int]:
    """The local days a Slot search reads: from its lower bound (today by default) to its
    upper (a week by default), at most :data:`MAX_SLOT_DAYS`."""
    first = within.lower.astimezone(desk.zone).date() if within.lower else desk.today
    if within.upper is None:
        return first, DEFAULT_SLOT_DAYS
    last = (within.upper - timedelta(microseconds=1)).astimezone(desk.zone).date()
    days = (last - first).days + 1
    if days > MAX_SLOT_DAYS:
        raise Invalid("range_too_wide", f"Search slots over at most {MAX_SLOT_DAYS} days "
                      "at a time.", field="start")
    return first, max(days, 0)


def slots(session: Session, desk: BookingDesk, page: Page, *, within: Range,
          expert_id: int | None = None, department_id: int | None = None,
          statuses: list[str] | None = None) -> tuple[int, list[SlotEntry]]:
    """Slots in time order, as the console counts them, in one query: the range's rows
    are read once and judged here (a department-day is ~1 600 rows), so the total and the
    page cost the same query."""
    first, days = slot_days(desk, within)
    if days == 0:
        return 0, []
    judge = Judge(desk)
    found = []
    for row in slot_rows(session, desk, first, days, department_id, expert_id):
        if within.holds(row.start) and (statuses is None or slot_status(
                row.status == SlotStatus.CANCELLED, judge.counts(row)[1]) in statuses):
            found.append(row)
    found.sort(key=lambda row: (row.start, row.slot_id))
    return len(found), [slot_entry(row, judge)
                        for row in found[page.offset:page.offset + page.count]]


def slot_entry(row: Row, judge: Judge) -> SlotEntry:
    _, remaining, _ = judge.counts(row)
    return SlotEntry(id=row.slot_id, expert_id=row.expert_id, department_id=row.department_id,
                     department_name=row.department_name or "", start=row.start, end=row.end,
                     stopped=row.status == SlotStatus.CANCELLED, remaining=remaining,
                     overbooked=row.overbooked > 0, stop_reason=row.cancel_reason)


def slot(session: Session, desk: BookingDesk, slot_id: int) -> SlotEntry:
    """One slot, counted as in a search (and hidden where a search hides it)."""
    known = slot_named(session, slot_id)
    if known is not None:
        for row in slot_rows(session, desk, known.day, 1, None, known.expert_id):
            if row.slot_id == slot_id:
                return slot_entry(row, Judge(desk))
    raise NotFound("slot")


# --- appointments -------------------------------------------------------------------------

def appointments(session: Session, desk: BookingDesk, page: Page, *,
                 appointment_id: int | None = None, code: str | None = None,
                 expert_id: int | None = None, patient_id: int | None = None,
                 statuses: list[str] | None = None,
                 within: Range | None = None) -> tuple[int, list[AppointmentFacts]]:
    """Appointments in time order, each as its facts (the joined query of
    ``reads/appointments``), and how many match."""
    conditions: list[Any] = []
    if appointment_id is not None:
        conditions.append(Appointment.id == appointment_id)
    if code is not None:
        conditions.append(Appointment.code == code.strip().upper())
    if expert_id is not None:
        conditions.append(Appointment.expert_id == expert_id)
    if patient_id is not None:
        conditions.append(Appointment.patient_id == patient_id)
    if statuses is not None:
        conditions.append(Appointment.status.in_(statuses))
    conditions.extend(in_range(Appointment.start_at, within))
    total, rows = paged(
        session, select(func.count()).select_from(Appointment).where(*conditions),
        appointments_joined().where(*conditions).order_by(Appointment.start_at, Appointment.id),
        page)
    return total, [facts_of(appointment, slot, expert, department, patient, desk)
                   for appointment, slot, expert, department, patient in rows]


def in_range(column: Any, within: Range | None) -> list[Any]:
    if within is None:
        return []
    found = []
    if within.lower is not None:
        found.append(column >= within.lower)
    if within.upper is not None:
        found.append(column < within.upper)
    return found
