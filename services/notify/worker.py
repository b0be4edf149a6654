"""Notify's worker: consumer of booking's events, the sender, and the receipts that
came before their message was recorded. (Notify publishes nothing, so it runs no
outbox relay.)"""

from __future__ import annotations

import logging

from services.common.web import Runtime
from services.common.worker import Loop, Periodic, run_loops

from .config import NotifySettings
from .handlers import consumer as notify_consumer
from .ops.receipts import any_early, apply_early_receipts
from .ops.retention import purge_old
from .ops.sending import Sender
from .providers import build_providers

log = logging.getLogger(__name__)
#: How often receipts that came before their message was recorded are looked at again.
EARLY_RECEIPT_SECONDS = 2.0


def build_loops(rt: Runtime[NotifySettings]) -> dict[str, Loop]:
    sender = Sender(rt.db, rt.settings, build_providers(rt.settings, rt.db), rt.clock)
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
    with rt.db.reading() as session:
        if not any_early(session):
            return
    with rt.db.transaction() as session:
        applied, dropped = apply_early_receipts(session, rt.now())
    if applied or dropped:
        log.info("early receipts: %d applied to their messages, %d dropped as unmatched",
                 applied, dropped)


def run_worker(rt: Runtime[NotifySettings]) -> None:
    run_loops(build_loops(rt))
