"""The do-not-call list: final for a phone across every kind of task, until an admin
removes it at the patient's request (recorded with the reason)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.db import one_at_a_time
from services.common.refusals import NotFound

from ..domain.calling import FollowupDesk
from ..domain.statuses import TaskStatus
from ..models import DoNotCall, Task


def take_turns(session: Session, phone: str) -> None:
    """Opening a task for a phone and putting that phone on the list take turns: each
    checks before it writes, and neither sees the other's uncommitted row."""
    one_at_a_time(session, f"do-not-call:{phone}")


def on_the_list(session: Session, phone: str) -> bool:
    return session.scalar(select(DoNotCall.id).where(DoNotCall.phone == phone,
                                                     DoNotCall.active.is_(True))) is not None


def add(session: Session, desk: FollowupDesk, phone: str, reason: str) -> DoNotCall:
    """Put the phone on the list and close every open task for it."""
    take_turns(session, phone)
    row = session.scalar(select(DoNotCall).where(DoNotCall.phone == phone))
    if row is not None and row.active:
        close_tasks(session, desk, phone)
        return row  # already on the list: the first entry's reason and author stay
    if row is None:
        row = DoNotCall(phone=phone)
        session.add(row)
    row.active, row.reason, row.added_by, row.added_at = True, reason, desk.by, desk.now
    row.removed_by = row.removed_at = row.removal_reason = None
    close_tasks(session, desk, phone)
    session.flush()
    return row


def close_tasks(session: Session, desk: FollowupDesk, phone: str) -> None:
    session.execute(update(Task).where(Task.phone == phone, Task.status == TaskStatus.OPEN)
                    .values(status=TaskStatus.DO_NOT_CALL, closed_at=desk.now,
                            updated_at=desk.now, claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False))


def remove(session: Session, desk: FollowupDesk, entry_id: int, reason: str) -> DoNotCall:
    """The patient asked to be called again. Tasks closed by the entry stay closed; new
    ones may open from now on."""
    row = session.get(DoNotCall, entry_id)
    if row is None or not row.active:
        raise NotFound("entry on the do-not-call list", code="not_on_the_list")
    row.active, row.removed_by, row.removed_at, row.removal_reason = (
        False, desk.by, desk.now, reason)
    return row
