"""Forgetting an erased patient: what notify kept of them goes, the counts stay.

Each message keeps its channel, template, status and times (the message log's
counts) but loses its recipient, subject, text and invite; a message still
waiting is withdrawn. The dev outbox's copies and any parked event naming the
patient (by id, appointment, phone or address) are removed. Opt-outs stay: they
are the phone's owner's wish, and a family sharing the phone keeps it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.db import checkpoint_after_commit
from services.common.forgetting import Traces, forget_in_infrastructure

from ..domain.statuses import MessageStatus
from ..models import DeadLetter, DevOutboxItem, Message


def forget_patient(session: Session, patient_id: int, appointment_ids: list[int],
                   now: datetime) -> int:
    """Forget the patient and their appointments; return how many messages were emptied."""
    theirs = or_(Message.patient_id == patient_id, Message.appointment_id.in_(appointment_ids))
    rows = session.execute(select(Message.id, Message.recipient).where(theirs)).all()
    ids = [row.id for row in rows]
    traces = Traces.of(patient_id, appointment_ids,
                       {row.recipient for row in rows})
    session.execute(update(Message).where(theirs, Message.status == MessageStatus.QUEUED)
                    .values(status=MessageStatus.CANCELLED, reason="patient erased")
                    .execution_options(synchronize_session=False))
    session.execute(update(Message).where(theirs).values(
        recipient="", subject="", body="", ics=None, facts=None, sms_call=None,
        last_error=None, updated_at=now)
        .execution_options(synchronize_session=False))
    if ids:
        session.execute(delete(DevOutboxItem).where(
            DevOutboxItem.message_ref.in_([f"msg-{n}" for n in ids])))
    # parked events naming the patient go (notify has no outbox and no stored answers)
    forget_in_infrastructure(session, traces, dead_letters=DeadLetter)
    checkpoint_after_commit(session)  # SQLite: erased pages leave the -wal file
    return len(ids)
