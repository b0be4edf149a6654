"""Traces in one process, with OpenTelemetry's in-memory exporter (SPEC §14): an event's
trace goes from the span that wrote its outbox row, through the relay's publish on the file
bus, to the consumer's handling; JSON log lines carry the ids of the span they were written
in; and one booking from booking's API over the file bus to notify's provider call.
(tests/e2e/test_traces.py follows a booking across the real processes.)"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import func, select

from services.booking.models import DeadLetter as BookingDeadLetter
from services.booking.models import InboxRecord as BookingInbox
from services.booking.models import OutboxMessage as BookingOutbox
from services.booking.models import Slot
from services.common import tracing
from services.common.logging import JsonFormatter
from services.common.service import make_consumer, make_relay
from services.notify.handlers import handlers as notify_handlers
from services.notify.models import DeadLetter as NotifyDeadLetter
from services.notify.models import InboxRecord as NotifyInbox
from services.notify.models import Message
from services.notify.ops.sending import Sender
from services.notify.providers import build_providers
from tests.contracts.test_contracts import hand_over
from tests.contracts.test_contracts import schedule_events as schedule_events  # the fixture
from tests.support.booking import Staff, bearer
from tests.support.bus import BusApp, Running, wait_until

BOOKED = "booking.appointment.booked"
CANCELLED = "schedule.slots.cancelled"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    yield exporter
    tracing.use(None)
    provider.shutdown()


def test_an_event_keeps_its_trace_from_the_outbox_through_the_bus_to_the_consumer(
        spans: InMemorySpanExporter, tmp_path: Path) -> None:
    app = BusApp(f"sqlite:///{tmp_path}/t.db", "filesystem://", tmp_path / "bus")
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    with tracing.span("POST /things") as request:
        app.emit(1)
    assert app.relay.drain() == 1
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["handled"] == 1)
    names = [s.name for s in spans.get_finished_spans()]
    assert names == ["outbox test.thing.happened", "POST /things",
                     "publish test.thing.happened", "consume test.thing.happened"]
    trace_ids = {s.context.trace_id for s in spans.get_finished_spans()}
    assert trace_ids == {request.get_span_context().trace_id}, "one trace"
    by_name = {s.name: s for s in spans.get_finished_spans()}
    assert by_name["consume test.thing.happened"].parent.span_id == \
        by_name["publish test.thing.happened"].context.span_id


def test_tracing_is_off_without_an_endpoint(tmp_path: Path) -> None:
    assert tracing.configure("booking", "") is False
    with tracing.span("nothing recorded"):
        assert tracing.current_traceparent() is None
        assert tracing.trace_ids() is None


def test_json_log_lines_carry_the_trace_and_span_ids_inside_a_span(
        spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("clinic", logging.INFO, __file__, 1, "handled", None, None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))
    with tracing.span("consume x") as current:
        line = json.loads(JsonFormatter().format(record))
    context = current.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_one_booking_is_one_trace_from_booking_over_the_bus_to_notifys_provider(
        spans: InMemorySpanExporter, make_app: Any, schedule_events: list[Any]) -> None:
    """booking → file bus → notify in one process, each with its own database: the
    request, the outbox row, the relay's publish, notify's consumer, its sender and the
    (dev) provider's call share the booking's trace."""
    booking, notify = make_app("booking"), make_app("notify")
    for app, inbox, dead in ((booking, BookingInbox, BookingDeadLetter),
                             (notify, NotifyInbox, NotifyDeadLetter)):
        hand_over(app, inbox, dead, [e for e in schedule_events if e.type != CANCELLED])
    spans.clear()
    notify_rt = notify.extensions["clinic"]
    consumer = make_consumer(notify_rt, notify_handlers(notify_rt), NotifyInbox,
                             NotifyDeadLetter)
    notify_rt.bus.declare(consumer.queue)
    with booking.extensions["clinic"].db.reading() as session:
        slot = session.scalars(select(Slot.id).order_by(Slot.start_at).limit(1)).one()
    assert Staff(booking, bearer("consultant", "li")).book(slot).status_code == 201
    assert make_relay(booking.extensions["clinic"], BookingOutbox).drain() >= 1
    with Running(consumer.run_until):
        assert wait_until(lambda: _messages(notify_rt) > 0)
    sender = Sender(notify_rt, build_providers(notify_rt.settings, notify_rt.db))
    assert sender.send_due() >= 1
    names = {s.name: s for s in spans.get_finished_spans()}
    chain = ["POST /api/v1/appointments", f"outbox {BOOKED}", f"publish {BOOKED}",
             f"consume {BOOKED}", "send sms confirmation", "provider outbox-sms send"]
    assert set(chain) <= set(names), sorted(names)
    assert len({names[name].context.trace_id for name in chain}) == 1, "one trace"
    for parent, child in pairwise(chain):
        assert names[child].parent.span_id == names[parent].context.span_id, child


def _messages(rt: Any) -> int:
    with rt.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0
