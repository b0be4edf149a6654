"""Schedule's worker: the outbox relay and the daily rolling horizon."""

from __future__ import annotations

import logging

from services.common.metrics import outbox_gauges, worker_metrics
from services.common.runtime import Runtime
from services.common.service import make_relay
from services.common.worker import Loop, Periodic, run_loops

from .config import ScheduleSettings
from .models import OutboxMessage
from .ops.publishing import PublishResult, publish
from .ops.retention import purge_old

log = logging.getLogger(__name__)


def publish_horizon(rt: Runtime[ScheduleSettings]) -> PublishResult:
    """Publish every expert's templates for the rolling horizon from today.

    Idempotent, so the worker runs it at start and then hourly: a day is published
    once, soon after midnight at the latest, and a restart or a second worker
    changes nothing.
    """
    result = publish(rt)
    if result.days:
        log.info("published %d expert-days, %d slots", result.days, result.slots)
    return result


def build_loops(rt: Runtime[ScheduleSettings]) -> dict[str, Loop]:
    return {
        "schedule-relay": make_relay(rt, OutboxMessage).run,
        "schedule-horizon": Periodic("publish-horizon", rt.settings.publish_interval_seconds,
                                     lambda: publish_horizon(rt)),
        "schedule-retention": Periodic("retention", rt.settings.retention_interval_seconds,
                                       lambda: purge_old(rt)),
    }


def run_worker(rt: Runtime[ScheduleSettings]) -> None:
    from .app import refuse_demo_passwords

    refuse_demo_passwords(rt)
    with worker_metrics(rt.settings, rt.db, rt.now, [outbox_gauges("schedule", OutboxMessage)]):
        run_loops(build_loops(rt))
