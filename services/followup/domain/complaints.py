"""Complaints (平息抱怨, SPEC §15): what the patient is unhappy about, about which
department or expert (chosen from the directory — never a staff member typed by name
into a list), and what they want; an owner, a due day, a resolution, and a closing call
to the patient. Managers see the open ones, the overdue ones, and how long they took."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.common.refusals import Invalid, Refused

from .calling import median

SOURCES = ("call", "chat", "desk")
#: The owner has this many days, unless a manager says otherwise.
DUE_AFTER = timedelta(days=3)


class ComplaintStatus(StrEnum):
    OPEN = "open"  # recorded, being looked into
    RESOLVED = "resolved"  # what the hospital did is recorded; the closing call is due
    CLOSED = "closed"  # the patient was called back and told


@dataclass(frozen=True)
class About:
    """Whom a complaint is about, as the directory names them."""

    department_id: int
    expert_id: int | None = None


def check_new(*, source: str, what: str, wish: str, about: About,
              departments: Collection[int], experts: dict[int, int]) -> None:
    """A complaint says what happened and what the patient wants, and is about a
    department (and maybe one of its experts) the directory knows. ``experts`` maps an
    expert's id to their department's."""
    if source not in SOURCES:
        raise Invalid("unknown_source", "A complaint comes from a call, a chat or the desk.",
                      field="source")
    if not what.strip():
        raise Invalid("what_required", "Say what the patient is unhappy about.", field="what")
    if not wish.strip():
        raise Invalid("wish_required", "Say what the patient wants.", field="wish")
    if about.department_id not in departments:
        raise Invalid("unknown_department", "Choose the department from the list.",
                      field="department_id")
    if about.expert_id is not None and experts.get(about.expert_id) != about.department_id:
        raise Invalid("unknown_expert", "Choose the expert from the department's list.",
                      field="expert_id")


def due_day(recorded: date, asked: date | None, today: date) -> date:
    """The day it is due: the one asked (not in the past), else ``DUE_AFTER`` later."""
    if asked is None:
        return recorded + DUE_AFTER
    if asked < today:
        raise Invalid("due_in_the_past", "The due day has passed.", field="due_on")
    return asked


def can_resolve(status: str, resolution: str) -> None:
    if status != ComplaintStatus.OPEN:
        raise Refused("not_open", "This complaint is not open.")
    if not resolution.strip():
        raise Invalid("resolution_required", "Say what the hospital did.", field="resolution")


def can_close(status: str, note: str) -> None:
    """The closing call comes after the resolution: the patient is told what was done."""
    if status != ComplaintStatus.RESOLVED:
        raise Refused("not_resolved", "Record the resolution before the closing call.")
    if not note.strip():
        raise Invalid("closing_note_required", "Say what the patient said on the closing "
                      "call.", field="note")


def overdue(status: str, due_on: date, today: date) -> bool:
    """Not closed by the end of its due day."""
    return status != ComplaintStatus.CLOSED and today > due_on


@dataclass(frozen=True)
class Row:
    """One complaint, as the managers' summary counts it."""

    department_id: int
    status: str
    due_on: date
    created_at: datetime
    closed_at: datetime | None


def by_department(rows: Iterable[Row], today: date) -> dict[int, dict[str, float | int | None]]:
    """Per department: open (not closed), overdue, closed, and the median hours a
    closed one took from recording to the closing call."""
    out: dict[int, dict[str, float | int | None]] = {}
    taken: dict[int, list[int]] = {}
    for row in rows:
        counts = out.setdefault(row.department_id, {"open": 0, "overdue": 0, "closed": 0,
                                                    "median_hours": None})
        if row.status == ComplaintStatus.CLOSED and row.closed_at is not None:
            counts["closed"] = int(counts["closed"] or 0) + 1
            hours = int((row.closed_at - row.created_at).total_seconds() // 3600)
            taken.setdefault(row.department_id, []).append(hours)
        else:
            counts["open"] = int(counts["open"] or 0) + 1
        if overdue(row.status, row.due_on, today):
            counts["overdue"] = int(counts["overdue"] or 0) + 1
    for department, spent in taken.items():
        out[department]["median_hours"] = median(spent)
    return out
