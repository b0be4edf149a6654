"""What booking keeps only for a while: delivery records and stored answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from services.common.db import changed
from services.common.retention import purge_delivered
from services.common.runtime import Runtime

from ..config import BookingSettings
from ..models import DeadLetter, IdempotencyRecord, InboxRecord, OutboxMessage, PatientLink


def purge_old(rt: Runtime[BookingSettings]) -> int:
    """Published events, handled-event records and answers kept for Idempotency-Key
    retries (they carry the patient's details) older than ``OUTBOX_RETENTION_DAYS``;
    patient links that have expired."""
    before = rt.now() - timedelta(days=rt.settings.outbox_retention_days)
    removed = purge_delivered(rt.db, before=before, outbox=OutboxMessage, inbox=InboxRecord,
                              dead_letters=DeadLetter)
    with rt.db.transaction() as session:
        removed += changed(session, delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < before))
        removed += changed(session, delete(PatientLink).where(
            PatientLink.expires_at < rt.now()))
    return removed
