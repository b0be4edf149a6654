"""What followup keeps only for a while: its records of handled events."""

from __future__ import annotations

from datetime import timedelta

from services.common.retention import purge_delivered
from services.common.runtime import Runtime

from ..config import FollowupSettings
from ..models import DeadLetter, InboxRecord


def purge_old(rt: Runtime[FollowupSettings]) -> int:
    before = rt.now() - timedelta(days=rt.settings.outbox_retention_days)
    return purge_delivered(rt.db, before=before, inbox=InboxRecord, dead_letters=DeadLetter)
