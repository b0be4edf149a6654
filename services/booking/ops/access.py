"""The access log: one row for each full read of a patient's contact data and each change."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.common.db import table_of

from ..domain.desk import Desk
from ..domain.privacy import Access
from ..models import AccessRecord


def record_access(session: Session, desk: Desk, patient_id: int, action: Access,
                  detail: str = "") -> None:
    """Written at once, as a plain INSERT (the log is append-only: nothing reads it back)."""
    session.execute(insert(table_of(AccessRecord)).values(
        at=desk.now, staff=desk.by, patient_id=patient_id, action=action.value,
        detail=detail[:200]))
