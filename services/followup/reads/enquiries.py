"""Enquiries as the desk and managers see them (phones masked in lists)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.logging import mask_phone
from services.common.phones import mask_in_text

from ..models import Enquiry


def enquiry_view(enquiry: Enquiry, *, full: bool = False,
                 complaint: bool = True) -> dict[str, Any]:
    """An enquiry as staff see it: the phone masked unless ``full``; what was asked and
    the note only to those who talk to patients (``complaint``), never to managers and
    admins (SPEC §8); a phone or identity number written into them is masked unless
    ``full``."""
    said = (lambda text: text) if full else mask_in_text
    view = {
        "id": enquiry.id, "name": enquiry.name,
        "phone": enquiry.phone if full else mask_phone(enquiry.phone),
        "channel": enquiry.channel, "department_id": enquiry.department_id,
        "complaint": said(enquiry.complaint), "note": said(enquiry.note),
        "call_consent": enquiry.call_consent, "status": enquiry.status,
        "recorded_by": enquiry.recorded_by, "created_at": enquiry.created_at,
        "converted_at": enquiry.converted_at, "appointment_code": enquiry.appointment_code,
        "arrived_at": enquiry.arrived_at,
    }
    if not complaint:
        del view["complaint"], view["note"]
    return view


def enquiries(session: Session, *, status: str | None = None, after: datetime | None = None,
              before: datetime | None = None, limit: int = 200) -> list[Enquiry]:
    statement = select(Enquiry).order_by(Enquiry.id.desc()).limit(limit)
    if status:
        statement = statement.where(Enquiry.status == status)
    if after is not None:
        statement = statement.where(Enquiry.created_at >= after)
    if before is not None:
        statement = statement.where(Enquiry.created_at < before)
    return list(session.scalars(statement))


def get_enquiry(session: Session, enquiry_id: int) -> Enquiry | None:
    return session.get(Enquiry, enquiry_id)
