"""Notify's worker: consumer of booking's events, outbox relay, and the sender."""

from __future__ import annotations

from services.common.service import make_consumer, make_relay
from services.common.web import Runtime
from services.common.worker import Loop, run_loops

from .handlers import handlers
from .models import DeadLetter, InboxRecord, OutboxMessage
from .providers import build_providers
from .sending import Sender


def build_loops(rt: Runtime) -> dict[str, Loop]:
    consumer = make_consumer(rt, handlers(rt.settings), InboxRecord, DeadLetter)
    sender = Sender(rt.db, rt.settings, build_providers(rt.settings, rt.db))
    return {
        "notify-relay": make_relay(rt, OutboxMessage).run,
        "notify-consumer": consumer.run_until,
        "notify-sender": sender.run,
    }


def run_worker(rt: Runtime) -> None:
    run_loops(build_loops(rt))
