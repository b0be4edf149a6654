"""What watching costs (issue 32): booking's CPU per request with metrics, and with metrics
and tracing, against neither.

``.venv/bin/python -m bench.observe`` (also a row of ``make bench``) serves booking's web as
production does (gunicorn with booking's own settings, so prometheus-client runs in its
multi-process mode) on a fresh PostgreSQL database each run, and books new patients with
wrk for ``BENCH_SECONDS``; the CPU seconds of booking's web processes (from /proc) over the
requests answered is the cost per request. Three set-ups, each run ``BENCH_ROUNDS`` times in
turn so the shared machine's noise falls on all alike:

- ``without``: the request hooks that count and time requests and open their spans taken
  off, and the outbox row's span and trace context skipped (bench.observe:plain_app);
- ``metrics``: as shipped, tracing off (no ``OTEL_EXPORTER_OTLP_ENDPOINT``);
- ``metrics+tracing``: as shipped with an SDK tracer provider recording every span and
  handing it, in batches, to an exporter that drops it (bench.observe:traced_app), so the
  cost is the spans' and not a collector's network.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from bench.run import BIN, ENV, ROOT, SECONDS, book_load, databases, free_port, seed
from services.booking.config import BookingSettings
from services.common.config import DEFAULT_JWT_SECRET
from services.common.service import boot
from services.common.tokens import issue_token

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
CLIENTS = 20
SETUPS = {"without": "bench.observe:plain_app()",
          "metrics": "services.booking.app:create_app()",
          "metrics+tracing": "bench.observe:traced_app()"}


def plain_app(settings: BookingSettings | None = None) -> Flask:
    """Booking's app without the request hooks of metrics and tracing, nor the outbox span."""
    from services.booking.app import create_app

    untraced_outbox()
    app = create_app(settings)
    ours = {"_started", "_answered", "_ended"}
    tables: list[dict[Any, list[Any]]] = [app.before_request_funcs, app.after_request_funcs,
                                          app.teardown_request_funcs]
    for table in tables:
        table[None] = [f for f in table.get(None, []) if f.__name__ not in ours]
    return app


def untraced_outbox(undo: bool = False) -> None:
    """The outbox without its span and trace context (``undo``: as shipped again)."""
    from contextlib import nullcontext

    from services.common import outbox, tracing

    if undo:
        outbox.span, outbox.current_traceparent = tracing.span, tracing.current_traceparent
        return
    outbox.span = lambda *a, **k: nullcontext()  # type: ignore[assignment]
    outbox.current_traceparent = lambda: None


def recording_provider() -> Any:
    """An SDK tracer provider recording every span, exporting in batches to nowhere."""
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Dropped(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Dropped()))
    return provider


def traced_app() -> Flask:
    """Booking's app with every span recorded and exported in batches to nowhere."""
    from services.booking.app import create_app
    from services.common import tracing

    tracing.use(recording_provider())
    return create_app()


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Booking's web as production runs it: its own gunicorn settings (multi-process
    metrics in a folder of its own under VAR_DIR)."""
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:services.booking.gunicorn_conf", app],
        cwd=ROOT, env={**env, "BOOKING_PORT": str(port)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    import requests

    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{app} did not start")


def one_run(setup: str, token: str, prefix: str) -> dict[str, float]:
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        env = {**ENV, "BOOKING_DATABASE_URL": db["booking"], "VAR_DIR": scratch,
               "BROKER_URL": "filesystem://"}
        rt = boot(BookingSettings.from_env(environ=env), "services.booking:migrations")
        spread, _, _ = seed(rt)
        rt.db.dispose()
        port = free_port()
        process = serve(SETUPS[setup], port, env)
        try:
            time.sleep(1.0)  # the workers' imports done before the CPU is read
            before = cpu_of_tree(process.pid)
            result = book_load(f"http://127.0.0.1:{port}", CLIENTS,
                               str(Path(__file__).with_name("book.lua")), spread, token, prefix)
            after = cpu_of_tree(process.pid)
            if setup != "without":
                scrape = _scrape(port)
                assert "http_requests_total" in scrape, "metrics are served"
        finally:
            process.terminate()
            process.wait(timeout=20)
    cpu = after - before
    return {"requests": result["requests"], "rps": result["rps"],
            "cpu_ms": 1000 * cpu / max(result["requests"], 1.0),
            "errors": result["server_errors"] + result["socket_errors"]}


def cpu_of_tree(pid: int) -> float:
    """CPU seconds (user + system) of the gunicorn master ``pid`` and its web processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _scrape(port: int) -> str:
    import requests

    return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text


def in_process(count: int = 400) -> None:
    """The same three set-ups in this one process (the Flask test client, no HTTP server,
    no wrk): this process's CPU time per booking, far less at the mercy of the machine's
    other load. Run by :func:`main` with ``PROMETHEUS_MULTIPROC_DIR`` set, as gunicorn's
    processes run."""
    from services.booking.app import create_app
    from services.common import tracing

    headers = {"Authorization": "Bearer " + issue_token(DEFAULT_JWT_SECRET, "bench",
                                                         ["consultant"], ttl_seconds=3600)}
    phones, places = itertools.count(), itertools.count()
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                            var_dir=Path(scratch), log_level="WARNING")
        apps = {"without": plain_app(settings)}
        untraced_outbox(undo=True)
        apps["metrics"] = apps["metrics+tracing"] = create_app(settings)
        spread, _, _ = seed(apps["metrics"].extensions["clinic"])
        provider = recording_provider()
        runs: dict[str, list[dict[str, float]]] = {setup: [] for setup in SETUPS}

        def book(client: Any) -> int:
            return int(client.post("/api/v1/appointments", headers=headers, json={
                # slot by slot, five places each: every request books (no refusal is cheaper)
                "slot_id": spread[next(places) // 5 % len(spread)], "channel": "chat",
                "patient": {"name": "压测", "phone": f"1390{next(phones):07d}",
                            "sms_consent": True}}).status_code)

        order = list(apps)
        for round_ in range(ROUNDS + 1):  # the first round warms up and is not counted
            order = order[1:] + order[:1]  # each set-up first in turn: no order effect
            for setup in order:
                app = apps[setup]
                untraced_outbox(undo=setup != "without")
                tracing.use(provider if setup == "metrics+tracing" else None)
                client = app.test_client()
                started, cpu = time.perf_counter(), time.process_time()
                statuses = [book(client) for _ in range(count)]
                cpu, wall = time.process_time() - cpu, time.perf_counter() - started
                if round_:
                    runs[setup].append({"requests": count, "rps": count / wall,
                                        "cpu_ms": 1000 * cpu / count,
                                        "errors": sum(s != 201 for s in statuses)})
        untraced_outbox(undo=True)
        tracing.use(None)
        provider.shutdown()
    report(runs, f"in one process, {count} bookings x {ROUNDS} rounds (median of rounds)")
    hooks_alone(provider_for=recording_provider)


def hooks_alone(provider_for: Any, count: int = 20000) -> None:
    """What a booking request adds, measured alone: the request's count and timing, the
    booking's count, and (tracing on) the request's and the outbox row's spans with the
    row's traceparent. Microseconds of this process's CPU per request."""
    from services.common import metrics, tracing

    def with_metrics() -> None:
        metrics.request_done("booking", "/api/v1/appointments", "POST", 201, 0.01)
        metrics.BOOKINGS.labels(channel="chat").inc()

    def with_spans() -> None:
        started, token = tracing.start_request_span("POST /api/v1/appointments",
                                                    {"authorization": "Bearer x"})
        with tracing.span("outbox booking.appointment.booked"):
            tracing.current_traceparent()
        tracing.end_request_span(started, token, 201)

    print("what each booking request adds, measured alone:")
    provider = provider_for()
    for label, step, traced in (("metrics", with_metrics, False),
                                ("spans, tracing off", with_spans, False),
                                ("spans, tracing on", with_spans, True)):
        tracing.use(provider if traced else None)
        cpu = time.process_time()
        for _ in range(count):
            step()
        print(f"  {label:<20} {1e6 * (time.process_time() - cpu) / count:6.1f} µs per request",
              flush=True)
    tracing.use(None)
    provider.shutdown()


def main() -> None:
    if "--in-process" in sys.argv:
        in_process()
        return
    with tempfile.TemporaryDirectory() as folder:  # multi-process metrics, as in gunicorn
        subprocess.run([sys.executable, "-m", "bench.observe", "--in-process"], cwd=ROOT,
                       env={**ENV, "PROMETHEUS_MULTIPROC_DIR": folder}, check=True)
    token = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant", "frontdesk"],
                        ttl_seconds=3600)
    runs: dict[str, list[dict[str, float]]] = {setup: [] for setup in SETUPS}
    for _ in range(ROUNDS):
        for setup in SETUPS:
            runs[setup].append(one_run(setup, token, prefix="39"))  # a fresh database each
    report(runs, f"served by gunicorn, booked by wrk, {CLIENTS} clients, {SECONDS} s x "
                 f"{ROUNDS} rounds (median of rounds)")


def report(runs: dict[str, list[dict[str, Any]]], how: str) -> None:
    base = statistics.median(r["cpu_ms"] for r in runs["without"])
    print(f"\nbooking's web CPU per booking request, {how}")
    print(f"{'set-up':<17}{'req/s':>8}{'CPU ms/req':>12}{'ratio':>8}   per round")
    for setup, results in runs.items():
        cpu = statistics.median(r["cpu_ms"] for r in results)
        rps = statistics.median(r["rps"] for r in results)
        each = " ".join(f"{r['cpu_ms']:.2f}" for r in results)
        errors = sum(r["errors"] for r in results)
        print(f"{setup:<17}{rps:>8.0f}{cpu:>12.2f}{cpu / base:>8.3f}   {each}"
              + (f"  ({errors:.0f} errors)" if errors else ""))


if __name__ == "__main__":
    main()
