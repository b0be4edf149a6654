"""Followup's access log: each read of a patient's full phone on a call card."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.calling import FollowupDesk
from ..models import AccessRecord


def record_access(session: Session, desk: FollowupDesk, action: str, *, patient_id: int | None,
                  task_id: int | None = None, detail: str = "") -> None:
    session.add(AccessRecord(at=desk.now, staff=desk.by, patient_id=patient_id,
                             task_id=task_id, action=action, detail=detail[:200]))
