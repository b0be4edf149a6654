"""Followup's worker: the consumer of booking's and schedule's events, the timer that
opens enquiry tasks, and retention. Followup publishes nothing, so it runs no relay."""

from __future__ import annotations

from services.common.event_handlers import SYSTEM
from services.common.metrics import count_by_gauge, dead_letter_gauge, worker_metrics
from services.common.runtime import Runtime
from services.common.service import make_consumer
from services.common.unit_of_work import unit_of_work
from services.common.worker import Loop, Periodic, run_loops

from .config import FollowupSettings
from .domain.statuses import TaskKind, TaskStatus
from .handlers import HANDLERS
from .models import DeadLetter, InboxRecord, Task
from .ops.retention import purge_old
from .ops.tasks import open_enquiry_tasks


def open_due_enquiry_tasks(rt: Runtime[FollowupSettings]) -> int:
    with unit_of_work(rt, SYSTEM) as work:
        return open_enquiry_tasks(work.session, work.desk)


def build_loops(rt: Runtime[FollowupSettings]) -> dict[str, Loop]:
    consumer = make_consumer(rt, HANDLERS.bind(rt), InboxRecord, DeadLetter)
    settings = rt.settings
    return {
        "followup-consumer": consumer.run_until,
        "followup-enquiries": Periodic("open-enquiry-tasks", settings.task_interval_seconds,
                                       lambda: open_due_enquiry_tasks(rt)),
        "followup-retention": Periodic("retention", settings.retention_interval_seconds,
                                       lambda: purge_old(rt)),
    }


def run_worker(rt: Runtime[FollowupSettings]) -> None:
    gauges = [dead_letter_gauge("followup", DeadLetter),
              count_by_gauge("clinic_followup_tasks_open", "Follow-up tasks open, by kind.",
                             Task.kind, "kind", [k.value for k in TaskKind],
                             Task.status == TaskStatus.OPEN)]
    with worker_metrics(rt.settings, rt.db, rt.now, gauges):
        run_loops(build_loops(rt))
