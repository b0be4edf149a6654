"""Traces (SPEC §14): one booking followed from its HTTP request to the SMS provider's call.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set: then each process exports its spans
over OTLP/HTTP (the exporter reads the standard ``OTEL_EXPORTER_OTLP_*`` variables).
While off, OpenTelemetry's API hands out non-recording spans, which cost next to nothing.

The trace crosses what is not a call: the W3C ``traceparent`` of the span that wrote an
event is kept with its outbox row, travels in the message's headers (AMQP or the file
bus alike) and is kept again with each message notify plans, so the relay, the consumer
and the sender continue the booking's trace instead of starting their own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_configured: set[str] = set()
#: The provider spans come from: OpenTelemetry's global one unless :func:`use` named one.
_provider: trace.TracerProvider | None = None


def configure(service: str, endpoint: str) -> bool:
    """Export this process's spans to ``endpoint`` (OTLP/HTTP) as ``clinic-<service>``; once
    per process, and only when an endpoint is set. True when tracing is on."""
    if not endpoint:
        return False
    if service in _configured:
        return True
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"clinic-{service}"}))
    # OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, when set, wins (the exporter reads it itself).
    traces = None if os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") else \
        f"{endpoint.rstrip('/')}/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    trace.set_tracer_provider(provider)
    _configured.add(service)
    log.info("tracing on: spans exported over OTLP/HTTP to %s", endpoint)
    return True


def use(provider: trace.TracerProvider | None) -> None:
    """Take spans from ``provider`` (a test's, with an in-memory exporter); None goes back
    to the global one (OpenTelemetry lets the global provider be set only once)."""
    global _provider
    _provider = provider


def tracer() -> trace.Tracer:
    return (_provider or trace.get_tracer_provider()).get_tracer("clinic")


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the span in progress (None when none is recording): what
    an outbox row or a planned message keeps, to be continued later."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def headers_with_trace(headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``headers`` plus the current span's ``traceparent``, for a message on the bus."""
    out = dict(headers or {})
    _PROPAGATOR.inject(out)
    return out


def _parent(traceparent: str | None) -> context.Context | None:
    if not traceparent:
        return None
    return _PROPAGATOR.extract({TRACEPARENT: traceparent})


@contextmanager
def span(name: str, *, parent: str | None = None, kind: SpanKind = SpanKind.INTERNAL,
         attributes: Mapping[str, str | int] | None = None) -> Iterator[Span]:
    """A span as the current one; ``parent``, a stored ``traceparent``, continues that trace
    (a relay's publish, a consumer's handling, a sender's delivery)."""
    with tracer().start_as_current_span(name, context=_parent(parent), kind=kind,
                                        attributes=dict(attributes or {})) as current:
        yield current


def trace_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids in hex, for a log line; None outside a span."""
    found = trace.get_current_span().get_span_context()
    if not found.is_valid:
        return None
    return format(found.trace_id, "032x"), format(found.span_id, "016x")


def start_request_span(name: str, headers: Mapping[str, str]) -> tuple[Span, object]:
    """A server span for an HTTP request, continuing the caller's ``traceparent`` if sent;
    returns the span and the token to detach when the request ends."""
    parent = _PROPAGATOR.extract({name.lower(): value for name, value in headers.items()})
    started = tracer().start_span(name, context=parent, kind=SpanKind.SERVER)
    token = context.attach(trace.set_span_in_context(started, parent))
    return started, token


def end_request_span(started: Span, token: object, status: int | None) -> None:
    if status is not None:
        started.set_attribute("http.response.status_code", status)
        if status >= 500:
            started.set_status(trace.Status(trace.StatusCode.ERROR))
    started.end()
    context.detach(token)  # type: ignore[arg-type]
