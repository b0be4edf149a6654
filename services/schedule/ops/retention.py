"""What schedule keeps only for a while: its published events, sign-in counts and the
ids of signed-out tokens."""

from __future__ import annotations

from datetime import timedelta

from services.common.retention import purge_delivered
from services.common.web import Runtime

from ..config import ScheduleSettings
from ..models import OutboxMessage
from .sign_in import forget_old
from .sign_out import forget_expired


def purge_old(rt: Runtime[ScheduleSettings]) -> int:
    before = rt.now() - timedelta(days=rt.settings.outbox_retention_days)
    with rt.db.transaction() as session:
        forget_old(session, rt.now())
        forget_expired(session, rt.now())
    return purge_delivered(rt.db, before=before, outbox=OutboxMessage)
