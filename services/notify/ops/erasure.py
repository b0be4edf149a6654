"""Forgetting an erased patient: what notify kept of them goes, the counts stay.

Each message keeps its channel, template, status and times (the message log's
counts) but loses its recipient, subject, text and invite; a message still
waiting is withdrawn. The dev outbox's copies and any parked event about the
patient are removed. Opt-outs stay: they are the phone's owner's wish, and a
family sharing the phone keeps it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import PatientErased

from ..domain.statuses import MessageStatus
from ..models import DeadLetter, DevOutboxItem, Message


def forget_patient(session: Session, erased: PatientErased, now: datetime) -> int:
    """Return how many messages were emptied."""
    theirs = or_(Message.patient_id == erased.patient_id,
                 Message.appointment_id.in_(erased.appointment_ids))
    ids = list(session.scalars(select(Message.id).where(theirs)))
    session.execute(update(Message).where(theirs, Message.status == MessageStatus.QUEUED)
                    .values(status=MessageStatus.CANCELLED, reason="patient erased")
                    .execution_options(synchronize_session=False))
    session.execute(update(Message).where(theirs).values(
        recipient="", subject="", body="", ics=None, facts=None, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False))
    if ids:
        session.execute(delete(DevOutboxItem).where(
            DevOutboxItem.message_ref.in_([f"msg-{n}" for n in ids])))
    _drop_parked_events(session, erased)
    return len(ids)


def _drop_parked_events(session: Session, erased: PatientErased) -> None:
    for letter in session.scalars(select(DeadLetter)):
        try:
            data = json.loads(letter.body).get("data") or {}
        except (ValueError, AttributeError):
            continue
        patient = data.get("patient") if isinstance(data, dict) else None
        if (isinstance(patient, dict) and patient.get("id") == erased.patient_id) or \
                data.get("appointment_id") in erased.appointment_ids:
            session.delete(letter)
