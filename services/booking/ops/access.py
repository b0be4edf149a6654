"""The access log: one row for each full read of a patient's contact data and each change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.desk import Desk
from ..domain.privacy import Access
from ..models import AccessRecord


def record_access(session: Session, desk: Desk, patient_id: int, action: Access,
                  detail: str = "") -> None:
    session.add(AccessRecord(at=desk.now, staff=desk.by, patient_id=patient_id,
                             action=action.value, detail=detail[:200]))
