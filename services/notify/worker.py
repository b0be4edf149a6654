"""Notify's worker: consumer of booking's events, and the sender. (Notify publishes
nothing, so it runs no outbox relay.)"""

from __future__ import annotations

from services.common.service import make_consumer
from services.common.web import Runtime
from services.common.worker import Loop, Periodic, run_loops

from .config import NotifySettings
from .handlers import handlers
from .models import DeadLetter, InboxRecord
from .ops.retention import purge_old
from .ops.sending import Sender
from .providers import build_providers


def build_loops(rt: Runtime[NotifySettings]) -> dict[str, Loop]:
    sender = Sender(rt.db, rt.settings, build_providers(rt.settings, rt.db), rt.clock)
    consumer = make_consumer(rt, handlers(rt, on_due=sender.wake), InboxRecord, DeadLetter)
    return {
        "notify-consumer": consumer.run_until,
        "notify-sender": sender.run,
        "notify-retention": Periodic("retention", rt.settings.retention_interval_seconds,
                                     lambda: purge_old(rt)),
    }


def run_worker(rt: Runtime[NotifySettings]) -> None:
    run_loops(build_loops(rt))
