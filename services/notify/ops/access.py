"""Notify's access log: each export of a patient's messages (their phone, email and the
texts sent to them), whoever calls it and from wherever (SPEC §11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.common.db import append_row, table_of

from ..models import AccessRecord

EXPORT = "export"
EXPORT_DETAIL = "notify export"


def record_access(session: Session, *, at: datetime, staff: str, patient_id: int,
                  action: str, detail: str = "") -> None:
    append_row(session, table_of(AccessRecord), dict(
        at=at, staff=staff, patient_id=patient_id, action=action, detail=detail[:200]))
