"""Followup's access log as the admin reads it, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AccessRecord


def access_log(session: Session, *, patient_id: int | None = None, staff: str | None = None,
               after: datetime | None = None, before: datetime | None = None,
               limit: int = 1000) -> list[dict[str, Any]]:
    statement = select(AccessRecord).order_by(AccessRecord.id.desc()).limit(limit)
    if patient_id is not None:
        statement = statement.where(AccessRecord.patient_id == patient_id)
    if staff:
        statement = statement.where(AccessRecord.staff == staff)
    if after is not None:
        statement = statement.where(AccessRecord.at >= after)
    if before is not None:
        statement = statement.where(AccessRecord.at < before)
    return [{"id": r.id, "at": r.at, "staff": r.staff, "patient_id": r.patient_id,
             "action": r.action, "detail": r.detail or (f"task {r.task_id}" if r.task_id else "")}
            for r in session.scalars(statement)]
