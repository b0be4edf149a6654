"""``make bench``: booking under load on PostgreSQL and RabbitMQ, served as in production.

Measures in one run, so the figures can be compared on this shared machine:
bookings per second and latency with 50 clients over many slots and with 200
clients on a few hot slots, the oversell count, the same gunicorn settings on a
minimal Flask JSON endpoint (the framework's ceiling) and the ratio, availability
for a department-day of 50 experts × 32 slots and FHIR's Slot search over the same day,
and booking-to-SMS latency through the outbox, RabbitMQ, notify and an SMS gateway on
127.0.0.1, timed during the first run. Each run starts with the web processes idle and
the confirmations of the runs before it delivered, so no run measures the tail of another.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import func, select, text

from services.booking.config import BookingSettings
from services.booking.handlers import handlers
from services.booking.models import Appointment, Slot
from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts import Contract
from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    HospitalUpdated,
    PublishedSlot,
    SlotsPublished,
)
from services.common.events import Event
from services.common.service import boot
from services.common.tokens import issue_token

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: gunicorn's processes and threads for booking's web (as docker-compose.yml ships them);
#: BENCH_WEB_WORKERS and BENCH_WEB_THREADS try others.
WORKERS = os.environ.get("BENCH_WEB_WORKERS", "2")
THREADS = os.environ.get("BENCH_WEB_THREADS", "8")
WRK_THREADS, SECONDS = "2", int(os.environ.get("BENCH_SECONDS", 10))
#: Copies of notify's worker (consumer and sender each); they share the queue and the
#: messages to send (SKIP LOCKED), as tests/faults/test_scale_out.py proves.
NOTIFY_WORKERS = int(os.environ.get("BENCH_NOTIFY_WORKERS", 1))
TIMEOUT = 30
ENV = {**os.environ, "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": WORKERS, "WEB_THREADS": THREADS,
       "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
ENV.pop("LOG_FILE", None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def databases(*names: str) -> Iterator[dict[str, str]]:
    admin = "host=127.0.0.1 user=postgres dbname=postgres"
    made = {name: f"clinic_bench_{name}_{uuid.uuid4().hex[:6]}" for name in names}
    with psycopg.connect(admin, autocommit=True) as conn:
        for db in made.values():
            conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield {name: f"postgresql://postgres@127.0.0.1/{db}" for name, db in made.items()}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for db in made.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@contextlib.contextmanager
def vhost() -> Iterator[str]:
    name = f"clinic-bench-{uuid.uuid4().hex[:6]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*",
                    ".*"], check=True)
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False)


def tell(rt: Any, message: Contract) -> None:
    """Hand booking a schedule event through its own handler, as its worker would."""
    event = Event(type=message.TYPE, data=message.to_data(), source="bench")
    with rt.db.transaction() as session:
        handlers(rt)[event.type](session, event)


def publish(rt: Any, expert: int, department: int, day: Any, count: int,
            capacity: int) -> list[int]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    ids = [expert * 1000 + n for n in range(count)]
    tell(rt, SlotsPublished(
        expert=ExpertUpdated(id=expert, code=f"B{expert}", name=f"专家{expert}", title="主任医师",
                             department_id=department, fee="50.00", active=True),
        department=DepartmentUpdated(id=department, code=f"D{department}",
                                     name=f"科室{department}", location="", active=True),
        date=day, time_zone="Asia/Shanghai", origin="template",
        slots=[PublishedSlot(slot_id=sid, capacity=capacity, session="bench",
                             start=start + timedelta(minutes=15 * n),
                             end=start + timedelta(minutes=15 * (n + 1)))
               for n, sid in enumerate(ids)]))
    return ids


#: The hospital's facts: the registered SMS templates refuse an empty variable, so a
#: confirmation needs an address and directions (an empty one is never sent).
HOSPITAL = {"name": "压测医院", "address": "压测路1号", "directions": "地铁1号线压测站",
            "phone": "010-12345678", "language": "zh-CN", "time_zone": "Asia/Shanghai"}


def seed(rt: Any) -> tuple[list[int], list[int], str]:
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    tell(rt, HospitalUpdated(**HOSPITAL))
    spread = [sid for expert in range(1, 51) for sid in publish(rt, expert, 1, day, 32, 5)]
    hot = publish(rt, 900, 2, day, 4, 5)
    if rt.db.engine.dialect.name == "postgresql":
        # A live database has statistics (autovacuum analyses within a minute); without
        # them the planner picks nested loops made for empty tables, 3x slower here.
        with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return spread, hot, day.isoformat()


CEILING_TABLES = """
CREATE TABLE bench_slots (id int PRIMARY KEY, booked int NOT NULL DEFAULT 0,
  held int NOT NULL DEFAULT 0, capacity int NOT NULL, updated_at timestamptz);
INSERT INTO bench_slots (id, capacity) SELECT g, 1000000 FROM generate_series(1, 1600) g;
CREATE TABLE bench_patients (id serial PRIMARY KEY, name text, phone text,
  sms_consent bool, created_at timestamptz);
CREATE INDEX ON bench_patients (phone);
CREATE TABLE bench_appointments (id serial PRIMARY KEY, code text UNIQUE, slot_id int,
  patient_id int, status text, queue_number int, created_at timestamptz);
CREATE INDEX ON bench_appointments (slot_id);
CREATE TABLE bench_outbox (id serial PRIMARY KEY, event_type text, body text,
  created_at timestamptz);
ANALYZE;
"""


def db_ceiling(url: str, clients: int = 16) -> float:
    """Transactions/s of pgbench doing one booking's writes (bench/db_ceiling.sql) on the
    same PostgreSQL, in tables of their own beside booking's."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CEILING_TABLES)
    run = subprocess.run(
        ["pgbench", "-n", "-c", str(clients), "-j", WRK_THREADS, "-T", str(SECONDS), "-f",
         str(Path(__file__).with_name("db_ceiling.sql")), url],
        capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"pgbench failed: {run.stderr.strip()[-2000:]}")
    out = run.stdout
    return float(found(r"tps = ([\d.]+)", out))


def found(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in a tool's output, or a clear failure."""
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in the output: {text[-2000:]}")
    return match.group(1)


#: The processes the bench started, by pid, named for the CPU report; a process whose
#: parent is one of them (a gunicorn worker) counts with its parent.
Roots = dict[int, str]
WEB = ("booking web", "booking web, second copy", "flask ceiling")


def cpu_by_part(roots: Roots) -> dict[str, float]:
    """CPU seconds used so far by each part of the set-up, read from /proc (processes
    still running): the processes' own accounting, utime + stime, as SPEC §7's ratios
    ask. gunicorn retitles its processes, so they are told apart by pid, not command."""
    ticks = os.sysconf("SC_CLK_TCK")
    parts: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on
        seconds = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        pid, parent = int(entry.name), int(fields[1])
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        part = ("bench (probe, gateway)" if pid == os.getpid() else
                roots.get(pid) or roots.get(parent) or
                ("rabbitmq" if name == "beam.smp" else name))  # postgres, wrk, … by name
        parts[part] = parts.get(part, 0.0) + seconds
    return parts


def spent(before: dict[str, float], after: dict[str, float]) -> str:
    used = {part: after[part] - before.get(part, 0.0) for part in after}
    return ", ".join(f"{part} {seconds:.1f}" for part, seconds in
                     sorted(used.items(), key=lambda item: -item[1]) if seconds >= 0.05)


def settled(roots: Roots, timeout: float = 60.0) -> None:
    """Wait until the web processes are idle: gunicorn listens before its workers have
    imported the app, and workers still booting would take CPU from the first run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_by_part(roots)
        time.sleep(0.5)
        after = cpu_by_part(roots)
        if sum(after.get(p, 0.0) - before.get(p, 0.0) for p in WEB) < 0.05:
            return
    raise RuntimeError("the web processes did not settle")


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:services.common.gunicorn_defaults", "-b",
         f"127.0.0.1:{port}", app], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return process
        time.sleep(0.2)
    raise RuntimeError(f"{app} did not start")


def wrk(url: str, connections: int, *, script: str | None = None,
        headers: dict[str, str] | None = None,
        env: dict[str, str] | None = None) -> dict[str, Any]:
    # wrk's own 2 s timeout would leave the slowest answers out of the percentiles.
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{SECONDS}s", "--latency",
           f"--timeout={TIMEOUT}s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, env={**ENV, **(env or {})},
                         check=True).stdout
    latency = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"\s(50|99)%\s+([\d.]+\w+)", out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    statuses = {int(c): int(n) for c, n in re.findall(r"(\d{3})=(\d+)", out.split("statuses:")[-1])
                } if "statuses:" in out else {}
    return {"rps": float(found(r"Requests/sec:\s+([\d.]+)", out)),
            "server_errors": float(sum(n for c, n in statuses.items() if c >= 500)),
            "statuses": statuses,
            "p50": latency.get("50", 0.0), "p99": latency.get("99", 0.0),
            "requests": float(found(r"(\d+) requests in", out)),
            "non_2xx": float(errors.group(1)) if errors else 0.0,
            "socket_errors": float(sum(map(int, socket_errors.groups()))) if socket_errors
            else 0.0}


def _ms(value: str) -> float:
    number, unit = float(found(r"^([\d.]+)", value)), re.sub(r"[\d.]", "", value)
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def booked(rt: Any, slot_ids: list[int]) -> int:
    with rt.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Appointment)
                              .where(Appointment.slot_id.in_(slot_ids))) or 0


def oversold(rt: Any) -> int:
    with rt.db.reading() as session:
        over_counts = session.scalar(select(func.count()).select_from(Slot).where(
            Slot.booked + Slot.held > Slot.capacity)) or 0
        over_rows = session.execute(text(
            "SELECT count(*) FROM (SELECT a.slot_id FROM appointments a JOIN slots s "
            "ON s.id = a.slot_id WHERE a.status <> 'cancelled' AND NOT a.overbooked "
            "GROUP BY a.slot_id, s.capacity HAVING count(*) > s.capacity) x")).scalar() or 0
    return over_counts + over_rows


class Gateway:
    """An SMS gateway on 127.0.0.1 that notes when each appointment code arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway's

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                match = re.search(r"预约码([A-Z0-9]{8})", body.get("text", ""))
                if match:
                    gateway.arrived.setdefault(match.group(1), time.perf_counter())
                self.send_response(200)
                answer = b'{"id": "x"}'
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"


class Probe:
    """Paced bookings (20 a second, for ``seconds``) made while the load runs, each timed
    from its 201 to its confirmation at the gateway: booking → SMS under load, not on an
    idle machine. Each booking has its own thread, so a slow answer does not slow the pace
    and the probe ends with the run it measures."""

    def __init__(self, base: str, token: str, slot_ids: list[int], seconds: float) -> None:
        self.sent: dict[str, float] = {}
        self.thread = threading.Thread(target=self._book, args=(base, token, slot_ids, seconds))

    def _book(self, base: str, token: str, slot_ids: list[int], seconds: float) -> None:
        headers = {"Authorization": f"Bearer {token}"}

        def one(n: int) -> None:
            response = requests.post(
                f"{base}/api/v1/appointments", headers=headers, timeout=TIMEOUT,
                json={"slot_id": slot_ids[n % len(slot_ids)], "channel": "phone",
                      "patient": {"name": "延迟", "phone": f"1370000{n:04d}",
                                  "sms_consent": True}})
            if response.status_code == 201:
                self.sent[response.json()["code"]] = time.perf_counter()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=40) as pool:
            for n in itertools.count():
                at = started + n * 0.05
                if at - started >= seconds:
                    break
                time.sleep(max(0.0, at - time.perf_counter()))
                pool.submit(one, n)

    def latency(self, gateway: Gateway) -> tuple[float, float]:
        self.thread.join()
        latencies = sorted((gateway.arrived[c] - t) * 1000 for c, t in self.sent.items()
                           if c in gateway.arrived)
        if not latencies:
            return float("nan"), float("nan")
        return statistics.median(latencies), latencies[max(int(len(latencies) * 0.99) - 1, 0)]


def drained(rt: Any, gateway: Gateway, roots: Roots) -> None:
    """Before the next run: notify has sent the last run's confirmations (or a minute has
    passed) and the web processes are idle, so each run measures its own load and not
    notify catching up with the one before (booking → SMS is timed in the first run)."""
    confirmations_missing(rt, gateway)
    settled(roots)


def confirmations_missing(rt: Any, gateway: Gateway, wait: float = 60.0) -> int:
    """Every appointment booked in the run (all with SMS consent) whose confirmation has not
    reached the gateway ``wait`` seconds after the last run."""
    with rt.db.reading() as session:
        codes = set(session.scalars(select(Appointment.code)))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not codes <= set(gateway.arrived):
        time.sleep(0.2)
    return len(codes - set(gateway.arrived))


def one_row(cursor: Any) -> tuple[Any, ...]:
    row = cursor.fetchone()
    assert row is not None, "an aggregate query answers one row"
    return tuple(row)


def message_states(booking_url: str, notify_url: str) -> str:
    """Where each booking's event is: booking's outbox (published or not), notify's inbox
    and dead letters, and notify's SMS by status and attempts — to tell a late
    confirmation from a lost one."""
    with psycopg.connect(booking_url) as conn:
        booked_events, unpublished = one_row(conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM outbox "
            "WHERE event_type = 'booking.appointment.booked'"))
    with psycopg.connect(notify_url) as conn:
        handled = one_row(conn.execute("SELECT count(*) FROM inbox"))[0]
        dead = one_row(conn.execute("SELECT count(*) FROM dead_letters"))[0]
        rows = conn.execute("SELECT status, template, count(*) FROM messages WHERE channel = "
                            "'sms' GROUP BY status, template ORDER BY 1, 2").fetchall()
    return (f"booked events {booked_events} (unpublished {unpublished}); notify handled "
            f"{handled}, dead letters {dead}; SMS " +
            " ".join(f"{status}/{template}:{n}" for status, template, n in rows))


def stage_delays(booking_url: str, notify_url: str) -> str:
    """p50/p99 of each stage a confirmation passes, from the rows' own timestamps: booking's
    commit to the relay's publish, the publish to notify's inbox commit, that commit to the
    SMS handed to the gateway — so a late confirmation says where it waited."""
    with psycopg.connect(booking_url) as conn:
        published = {event_id: (created, at) for event_id, created, at in conn.execute(
            "SELECT event_id, created_at, published_at FROM outbox "
            "WHERE event_type = 'booking.appointment.booked'")}
    with psycopg.connect(notify_url) as conn:
        handled: dict[str, datetime] = dict(
            conn.execute("SELECT event_id, processed_at FROM inbox").fetchall())
        sent: dict[str, datetime] = dict(conn.execute(
            "SELECT event_id, sent_at FROM messages WHERE channel = 'sms' "
            "AND template = 'confirmation' AND sent_at IS NOT NULL").fetchall())
    stages: dict[str, list[float]] = {"relay": [], "bus+consumer": [], "sender": []}
    for event_id, (created, at) in published.items():
        if at is None or event_id not in handled or event_id not in sent:
            continue
        stages["relay"].append((at - created).total_seconds() * 1000)
        stages["bus+consumer"].append((handled[event_id] - at).total_seconds() * 1000)
        stages["sender"].append((sent[event_id] - handled[event_id]).total_seconds() * 1000)

    def p(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[max(int(len(values) * q) - 1, 0)] if values else float("nan")

    return ", ".join(f"{name} {p(values, 0.5):.0f}/{p(values, 0.99):.0f} ms"
                     for name, values in stages.items())


def book_load(base: str, clients: int, script: str, slots: list[int], token: str,
              prefix: str) -> dict[str, Any]:
    """wrk booking new patients on ``slots``, with phones of their own (``prefix``)."""
    return wrk(f"{base}/api/v1/appointments", clients, script=script,
               env={"BENCH_SLOTS": ",".join(map(str, slots)), "BENCH_TOKEN": token,
                    "BENCH_PHONE_PREFIX": prefix})


def two_copies(rt: Any, bases: list[str], script: str, slots: list[int],
               token: str) -> dict[str, Any]:
    """The 50 clients split over two copies of booking's web (as behind a load balancer),
    one wrk each at the same time; p50 and p99 are the worse copy's."""
    results: list[dict[str, Any]] = []
    before = booked(rt, slots)
    runs = [threading.Thread(target=lambda base=base, prefix=prefix: results.append(
        book_load(base, 25, script, slots, token, prefix)))
        for base, prefix in zip(bases, ("36", "35"), strict=True)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    total: dict[str, Any] = {key: sum(r[key] for r in results) for key in
                             ("rps", "server_errors", "requests", "non_2xx", "socket_errors")}
    total.update(p50=max(r["p50"] for r in results), p99=max(r["p99"] for r in results),
                 statuses={}, booked_per_s=(booked(rt, slots) - before) / SECONDS)
    for r in results:
        for code, n in r["statuses"].items():
            total["statuses"][code] = total["statuses"].get(code, 0) + n
    return total


def poll_load(base: str, token: str, day: str) -> dict[str, Any]:
    """The console's poll at 50 clients: the counts of a department-day of 50 experts ×
    32 slots, asked with the ETag of the last answer, as the page does."""
    url = f"{base}/api/v1/availability/counts?department_id=1&date={day}"
    headers = {"Authorization": f"Bearer {token}"}
    etag = requests.get(url, headers=headers, timeout=TIMEOUT).headers["ETag"]
    return wrk(url, 50, headers={**headers, "If-None-Match": etag})


def fhir_slots_url(base: str, day: str) -> str:
    """FHIR's Slot search over the availability row's department-day: its largest page
    (the search reads and counts the whole day; see ``bench/fhir_slots.py`` in-process)."""
    after = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    return f"{base}/fhir/Slot?service-type=1&start=ge{day}&start=lt{after}&_count=500"


def main() -> None:
    token = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant", "frontdesk"],
                        ttl_seconds=3600)
    rows: list[tuple[str, dict[str, Any]]] = []
    with databases("booking", "notify") as db, vhost() as broker, \
            tempfile.TemporaryDirectory() as scratch:
        env = {**ENV, "BOOKING_DATABASE_URL": db["booking"], "NOTIFY_DATABASE_URL": db["notify"],
               "BROKER_URL": broker, "VAR_DIR": scratch}
        rt = boot(BookingSettings.from_env(environ=env), "services.booking:migrations")
        spread, hot, day = seed(rt)
        gateway = Gateway()
        # The gateway here is no vendor with a contracted rate: at the default 50 SMS a
        # second the sender would be held behind a booking rate above that by design, and
        # booking → SMS would measure the pace, not notify.
        notify_env = {**env, "SMS_PROVIDER": "http", "SMS_GATEWAY_URL": gateway.url,
                      "SEND_POLL_SECONDS": "0.02", "RELAY_POLL_SECONDS": "0.02",
                      "SMS_RATE_PER_SECOND": os.environ.get("BENCH_SMS_RATE", "1000")}
        booking_port, ceiling_port, second_port = free_port(), free_port(), free_port()
        # As make run and docker-compose do: notify's queue is declared (by its migrate)
        # before booking's relay publishes, or the broker drops the first events.
        subprocess.run([str(BIN / "clinic-notify"), "migrate"], cwd=ROOT, env=notify_env,
                       check=True, stdout=subprocess.DEVNULL)
        processes = [
            serve("services.booking.app:create_app()", booking_port, env),
            serve("bench.ceiling:app", ceiling_port, env),
            serve("services.booking.app:create_app()", second_port, env),  # a second copy
            subprocess.Popen([str(BIN / "clinic-booking"), "worker"], cwd=ROOT,
                             env={**env, "RELAY_POLL_SECONDS": "0.02"}),
            *(subprocess.Popen([str(BIN / "clinic-notify"), "worker"], cwd=ROOT, env=notify_env)
              for _ in range(NOTIFY_WORKERS)),
        ]
        roots = {p.pid: label for p, label in zip(processes, (
            "booking web", "flask ceiling", "booking web, second copy", "booking worker"),
            strict=False)}
        roots.update((p.pid, "notify worker") for p in processes[4:])
        base = f"http://127.0.0.1:{booking_port}"
        try:
            script = str(Path(__file__).with_name("book.lua"))
            probe = Probe(base, token, spread[-200:], seconds=SECONDS)
            for label, slots, clients, prefix in (
                    ("bookings, 50 clients, 1600 slots", spread, 50, "39"),
                    ("bookings, 200 clients, 4 hot slots", hot, 200, "38")):
                drained(rt, gateway, roots)
                before = booked(rt, slots)
                if clients == 50:
                    probe.thread.start()  # booking → SMS, timed during this run
                    cpu_before = cpu_by_part(roots)
                result = book_load(base, clients, script, slots, token, prefix)
                if clients == 50:
                    cpu_after = cpu_by_part(roots)
                    cpu = spent(cpu_before, cpu_after)
                    probe.thread.join()  # its bookings count with the run's
                    made = booked(rt, slots) - before
                    confirmations_missing(rt, gateway)  # notify's CPU: until all are sent
                    per_booking = CpuPer(
                        made, cpu_after["booking web"] - cpu_before["booking web"],
                        _notify(cpu_by_part(roots)) - _notify(cpu_before))
                result["booked_per_s"] = (booked(rt, slots) - before) / SECONDS
                rows.append((label, result))
            drained(rt, gateway, roots)
            rows.append(("bookings, 2 web copies x 25 clients, 1600 slots", two_copies(
                rt, [base, f"http://127.0.0.1:{second_port}"], script, spread, token)))
            for clients in (50, 200):  # as the booking and the hot runs
                drained(rt, gateway, roots)
                flask_before = cpu_by_part(roots)
                rows.append((f"minimal Flask JSON, {clients} clients", wrk(
                    f"http://127.0.0.1:{ceiling_port}/json", clients, script=str(
                        Path(__file__).with_name("post_json.lua")))))
                if clients == 50:
                    flask_cpu = (cpu_by_part(roots)["flask ceiling"]
                                 - flask_before["flask ceiling"]) / rows[-1][1]["requests"]
            drained(rt, gateway, roots)
            rows.append(("availability, 50 experts x 32 slots, 20 clients", wrk(
                f"{base}/api/v1/availability?department_id=1&date={day}", 20,
                headers={"Authorization": f"Bearer {token}"})))
            drained(rt, gateway, roots)
            rows.append(("FHIR Slot search, same day, _count=500, 20 clients", wrk(
                fhir_slots_url(base, day), 20, headers={"Authorization": f"Bearer {token}"})))
            drained(rt, gateway, roots)
            rows.append(("console poll (counts, 304), 50 clients", poll_load(base, token, day)))
            sms_p50, sms_p99 = probe.latency(gateway)
            missing = confirmations_missing(rt, gateway)
            messages = message_states(db["booking"], db["notify"])
            delays = stage_delays(db["booking"], db["notify"])
            over = oversold(rt)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=15)
            rt.db.dispose()
        # With the services stopped: their idle pools would count against PostgreSQL's
        # connections, and the ceiling is the database's alone.
        ceiling_tps = db_ceiling(db["booking"])
    report(rows, sms_p50, sms_p99, over, missing, ceiling_tps, per_booking.ratios(flask_cpu))
    print(f"where the confirmations are: {messages}")
    print(f"where they waited (p50/p99, all runs): {delays}")
    print(f"CPU seconds during the 50-client run ({SECONDS:.0f} s x {os.cpu_count()} cores): "
          f"{cpu}")
    print(f"CPU ms: booking web {per_booking.web * 1000:.2f} per booking, notify worker "
          f"{per_booking.notify * 1000:.2f} per confirmation ({per_booking.bookings} bookings), "
          f"minimal Flask {flask_cpu * 1000:.3f} per request")


def _notify(parts: dict[str, float]) -> float:
    return parts.get("notify worker", 0.0)


class CpuPer:
    """CPU seconds per booking of the 50-client run (the probe's included): booking's web
    processes while it ran, notify's workers until every confirmation of it was at the
    gateway. SPEC §7's ratios divide them by the minimal Flask app's CPU per request."""

    def __init__(self, bookings: int, web_seconds: float, notify_seconds: float) -> None:
        self.bookings = bookings
        self.web = web_seconds / max(bookings, 1)
        self.notify = notify_seconds / max(bookings, 1)

    def ratios(self, flask_per_request: float) -> dict[str, float]:
        return {"booking_cpu_vs_flask": self.web / flask_per_request,
                "notify_cpu_vs_flask": self.notify / flask_per_request}


def report(rows: list[tuple[str, dict[str, Any]]], sms_p50: float, sms_p99: float,
           over: int, missing: int, ceiling_tps: float, cpu_ratios: dict[str, float]) -> None:
    print(f"gunicorn: {WORKERS} workers x {THREADS} threads (gthread); notify workers: "
          f"{NOTIFY_WORKERS}; wrk: {WRK_THREADS} "
          f"threads, {SECONDS} s per run, {TIMEOUT} s timeout; PostgreSQL and RabbitMQ on this "
          "machine")
    print(f"{'run':<52}{'req/s':>9}{'ok/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
          f"{'sock err':>9}  answers")
    for label, r in rows:
        ok = r.get("booked_per_s", r["rps"] - r["non_2xx"] / SECONDS)
        answers = " ".join(f"{c}:{n}" for c, n in sorted(r["statuses"].items()))
        print(f"{label:<52}{r['rps']:>9.0f}{ok:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
              f"{r['non_2xx']:>9.0f}{r['socket_errors']:>9.0f}  {answers}")
    print(f"{'booking -> SMS at the gateway (during the 50-client run)':<52}{'':>18}"
          f"{sms_p50:>9.0f}{sms_p99:>9.0f}")
    print(f"{'pgbench, the same writes, 16 clients (tx/s)':<52}{ceiling_tps:>9.0f}")
    spread, hot, copies, ceiling, ceiling_200, availability, fhir_slots, poll = (
        r for _, r in rows)
    server_errors = spread["server_errors"] + hot["server_errors"] + copies["server_errors"]
    print(f"bench: bookings_per_s={spread['booked_per_s']:.0f} "
          f"booking_p50_ms={spread['p50']:.1f} booking_p99_ms={spread['p99']:.1f} "
          f"hot_p99_ms={hot['p99']:.1f} oversold={over} "
          f"booking_5xx={server_errors:.0f} "
          f"db_ceiling_tps={ceiling_tps:.0f} "
          f"db_ceiling_ratio={spread['booked_per_s'] / ceiling_tps:.3f} "
          f"flask_ceiling_rps={ceiling['rps']:.0f} "
          f"flask_ceiling_p99_ms={ceiling['p99']:.1f} "
          f"flask_ceiling_200_p99_ms={ceiling_200['p99']:.1f} poll_p99_ms={poll['p99']:.1f} "
          f"booking_to_sms_p50_ms={sms_p50:.0f} booking_to_sms_p99_ms={sms_p99:.0f} "
          f"confirmations_missing={missing} "
          f"two_copies_bookings_per_s={copies['booked_per_s']:.0f} "
          f"two_copies_p99_ms={copies['p99']:.1f} "
          f"hot_requests_per_s={hot['rps']:.0f} availability_p99_ms={availability['p99']:.1f} "
          f"fhir_slot_p99_ms={fhir_slots['p99']:.1f} "
          f"fhir_slot_to_availability_p99={fhir_slots['p99'] / availability['p99']:.2f} "
          f"socket_errors={sum(r['socket_errors'] for _, r in rows):.0f} "
          f"booking_cpu_vs_flask={cpu_ratios['booking_cpu_vs_flask']:.1f} "
          f"notify_cpu_vs_flask={cpu_ratios['notify_cpu_vs_flask']:.1f} "
          f"hot_vs_flask={hot['rps'] / ceiling['rps']:.2f}")


if __name__ == "__main__":
    main()
