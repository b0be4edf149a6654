"""Traces in one process, with OpenTelemetry's in-memory exporter (SPEC §14): an event's
trace goes from the span that wrote its outbox row, through the relay's publish on the file
bus, to the consumer's handling; JSON log lines carry the ids of the span they were written
in. (tests/e2e/test_traces.py follows a booking across the real processes.)"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.common import tracing
from services.common.logging import JsonFormatter
from tests.support.bus import BusApp, Running, wait_until


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
