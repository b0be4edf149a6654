"""Handing a claimed task to a colleague, or releasing it to the list, with a note."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.refusals import Refused

from ..domain.calling import FollowupDesk
from ..domain.handover import check_handover
from ..domain.statuses import TaskStatus
from ..models import Task, TaskHandover
from ..reads.staff import colleagues
from .tasks import holds_claim, locked


def hand_over(session: Session, desk: FollowupDesk, task_id: int, *, to: str | None,
              note: str) -> Task:
    """The colleague ``to`` holds the claim from now, for a full claim period; with
    ``to`` none the task goes back to the list, claimable by anyone. Logged either way."""
    task = locked(session, task_id)
    if task.status != TaskStatus.OPEN:
        raise Refused("closed", "This task is closed.")
    check_handover(holder=holds_claim(task, desk), by=desk.by, to=to, note=note,
                   colleagues=colleagues(session) if to else ())
    task.claimed_by = to
    task.claimed_until = desk.now + desk.rules.claim if to else None
    task.dialled_by = task.dialled_at = None
    task.updated_at = desk.now
    session.add(TaskHandover(task_id=task.id, by=desk.by, to=to, note=note.strip(),
                             at=desk.now))
    session.flush()
    return task
