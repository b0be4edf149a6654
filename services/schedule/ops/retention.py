"""What schedule keeps only for a while: its published events, sign-in counts and the
ids of signed-out tokens."""

from __future__ import annotations

from datetime import timedelta

from services.common.event_handlers import SYSTEM
from services.common.retention import purge_delivered
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work

from ..config import ScheduleSettings
from ..models import OutboxMessage
from .sign_in import forget_old
from .sign_out import forget_expired


def purge_old(rt: Runtime[ScheduleSettings]) -> int:
    with unit_of_work(rt, SYSTEM) as work:
        forget_old(work.session, work.desk.now)
        forget_expired(work.session, work.desk.now)
        before = work.desk.now - timedelta(days=rt.settings.outbox_retention_days)
    return purge_delivered(rt.db, before=before, outbox=OutboxMessage)
