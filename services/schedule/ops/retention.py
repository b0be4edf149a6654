"""What schedule keeps only for a while: its published events."""

from __future__ import annotations

from datetime import timedelta

from services.common.retention import purge_delivered
from services.common.web import Runtime

from ..config import ScheduleSettings
from ..models import OutboxMessage


def purge_old(rt: Runtime[ScheduleSettings]) -> int:
    before = rt.now() - timedelta(days=rt.settings.outbox_retention_days)
    return purge_delivered(rt.db, before=before, outbox=OutboxMessage)
