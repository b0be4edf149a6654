"""Followup's worker: the consumer of booking's and schedule's events, the timer that
opens enquiry tasks, and retention. Followup publishes nothing, so it runs no relay."""

from __future__ import annotations

from services.common.service import make_consumer
from services.common.web import Runtime
from services.common.worker import Loop, Periodic, run_loops

from .config import FollowupSettings
from .handlers import SYSTEM, handlers
from .models import DeadLetter, InboxRecord
from .ops.retention import purge_old
from .ops.tasks import open_enquiry_tasks
from .reads.hospital import open_desk


def open_due_enquiry_tasks(rt: Runtime[FollowupSettings]) -> int:
    with rt.db.transaction() as session:
        return open_enquiry_tasks(session, open_desk(session, rt.settings, SYSTEM, rt.now()))


def build_loops(rt: Runtime[FollowupSettings]) -> dict[str, Loop]:
    consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
    settings = rt.settings
    return {
        "followup-consumer": consumer.run_until,
        "followup-enquiries": Periodic("open-enquiry-tasks", settings.task_interval_seconds,
                                       lambda: open_due_enquiry_tasks(rt)),
        "followup-retention": Periodic("retention", settings.retention_interval_seconds,
                                       lambda: purge_old(rt)),
    }


def run_worker(rt: Runtime[FollowupSettings]) -> None:
    run_loops(build_loops(rt))
