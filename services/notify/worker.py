"""Notify's worker: consumer of booking's events, the sender, and the receipts that
came before their message was recorded. (Notify publishes nothing, so it runs no
outbox relay.)"""

from __future__ import annotations

import logging

from services.common.event_handlers import SYSTEM
from services.common.metrics import dead_letter_gauge, worker_metrics
from services.common.runtime import Runtime
from services.common.unit_of_work import reading, unit_of_work
from services.common.worker import Loop, Periodic, run_loops

from .config import NotifySettings
from .handlers import consumer as notify_consumer
from .models import DeadLetter
from .ops.composing import check_sms_templates
from .ops.receipts import any_early, apply_early_receipts
from .ops.retention import purge_old
from .ops.sending import Sender
from .providers import build_providers

log = logging.getLogger(__name__)
#: How often receipts that came before their message was recorded are looked at again.
EARLY_RECEIPT_SECONDS = 2.0


def build_loops(rt: Runtime[NotifySettings]) -> dict[str, Loop]:
    check_sms_templates(rt.settings)  # a template that can never be filled stops us here
    sender = Sender(rt, build_providers(rt.settings, rt.db))
    consumer = notify_consumer(rt, on_due=sender.wake)
    return {
        "notify-consumer": consumer.run_until,
        "notify-sender": sender.run,
        "notify-receipts": Periodic("early receipts", EARLY_RECEIPT_SECONDS,
                                    lambda: apply_early(rt)),
        "notify-retention": Periodic("retention", rt.settings.retention_interval_seconds,
                                     lambda: purge_old(rt)),
    }


def apply_early(rt: Runtime[NotifySettings]) -> None:
    with reading(rt, SYSTEM) as look:
        if not any_early(look.session):
            return
    with unit_of_work(rt, SYSTEM) as work:
        applied, dropped = apply_early_receipts(work.session, work.desk.now)
    if applied or dropped:
        log.info("early receipts: %d applied to their messages, %d dropped as unmatched",
                 applied, dropped)


def run_worker(rt: Runtime[NotifySettings]) -> None:
    with worker_metrics(rt.settings, rt.db, rt.now, [dead_letter_gauge("notify", DeadLetter)]):
        run_loops(build_loops(rt))
