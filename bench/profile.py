"""Where a request's time goes: call booking's Flask app in-process, under pyinstrument.

``.venv/bin/python -m bench.profile booking [count]`` books ``count`` new patients
(default 300) on the spread slots, ``refusal`` books on the hot slots once they are
full (each a 409); ``.venv/bin/python -m bench.profile availability
[count]`` asks for the department-day of 50 experts × 32 slots ``count`` times, and
``poll`` asks for its counts with the last ETag, as the console does. All
seed a fresh PostgreSQL database as ``make bench`` does, time a plain run, then
profile a second one and print the profile, so the next speed-up is known. No broker
is needed: a booking only writes its events to the outbox.

``.venv/bin/python -m bench.profile notify [count]`` books ``count`` patients, then hands
their ``booking.appointment.booked`` events to notify's inbox consumer in batches of
``CONSUMER_BATCH`` (one transaction each, as the worker does with a busy queue) and lets
the sender send them to the dev outbox: notify's cost per confirmation, consumer and
sender apart, in wall time and in this process's CPU time.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import itertools
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flask.testing import FlaskClient
from pyinstrument import Profiler
from sqlalchemy import Engine, event, select

from bench.run import HOSPITAL, databases, seed
from services.booking.app import create_app
from services.booking.config import BookingSettings
from services.booking.models import OutboxMessage
from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts.schedule import HospitalUpdated
from services.common.events import Event
from services.common.service import boot
from services.common.tokens import issue_token
from services.notify.config import NotifySettings
from services.notify.handlers import HANDLERS as NOTIFY_HANDLERS
from services.notify.handlers import consumer as notify_consumer
from services.notify.models import MIGRATIONS as NOTIFY_MIGRATIONS
from services.notify.models import Hospital as NotifyHospital
from services.notify.ops.sending import Sender
from services.notify.providers import build_providers

TOKEN = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant"], ttl_seconds=3600)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def _booker(client: FlaskClient, slots: list[int], prefix: str) -> Callable[[], int]:
    """Books a new patient (phones from ``prefix``) on one of ``slots`` per call."""
    phones = itertools.count()

    def call() -> int:
        return client.post("/api/v1/appointments", headers=HEADERS, json={
            "slot_id": random.choice(slots), "channel": "chat",
            "patient": {"name": "剖析", "phone": f"{prefix}{next(phones):07d}",
                        "sms_consent": True}}).status_code
    return call


def booking(client: FlaskClient, spread: list[int], _day: str,
            _hot: list[int] | None = None) -> Callable[[], int]:
    return _booker(client, spread, "1390")


def refusal(client: FlaskClient, _spread: list[int], _day: str,
            hot: list[int]) -> Callable[[], int]:
    """Bookings on the hot slots once they are full: what each of the hot run's many
    late arrivals costs (a 409 from the early read)."""
    call = _booker(client, hot, "1380")
    while 201 in [call() for _ in range(4 * len(hot))]:
        pass  # until a whole round is refused: every hot place taken
    return call


def availability(client: FlaskClient, _spread: list[int], day: str,
                 _hot: list[int]) -> Callable[[], int]:
    url = f"/api/v1/availability?department_id=1&date={day}"
    return lambda: client.get(url, headers=HEADERS).status_code


def poll(client: FlaskClient, _spread: list[int], day: str,
         _hot: list[int]) -> Callable[[], int]:
    url = f"/api/v1/availability/counts?department_id=1&date={day}"
    etag = client.get(url, headers=HEADERS).headers["ETag"]
    return lambda: client.get(url, headers={**HEADERS, "If-None-Match": etag}).status_code


#: Given the client, the spread slots, the day and the hot slots: one request per call.
Caller = Callable[[FlaskClient, list[int], str, list[int]], Callable[[], int]]
PATHS: dict[str, Caller] = {"booking": booking, "refusal": refusal,
                            "availability": availability, "poll": poll}


def main(path: str, count: int) -> None:
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                            var_dir=Path(scratch), log_level="WARNING")
        app = create_app(settings)
        spread, hot, day = seed(app.extensions["clinic"])
        call = PATHS[path](app.test_client(), spread, day, hot)
        statuses: dict[int, int] = {}
        for _ in range(20):  # warm up: first requests compile queries and fill caches
            call()
        statements = Statements(app.extensions["clinic"].db.engine)
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            status = call()
            statuses[status] = statuses.get(status, 0) + 1
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        per_request = statements.stop() / count
        with profiled() as profile:
            for _ in range(count):
                call()
        app.extensions["clinic"].db.dispose()
    print(profile())
    print(f"answers: {statuses}")
    # CPU time is this process's (Python) alone: steadier than the wall time on a shared
    # machine; statements are what reached the database (BEGIN and COMMIT not counted).
    print(f"bench: {path}_in_process_ms={elapsed / count * 1000:.1f} "
          f"{path}_cpu_ms={cpu / count * 1000:.1f} statements={per_request:.1f} "
          f"requests={count}")


#: ``--cpu``: profile this process's CPU time (cProfile timed by ``time.process_time``)
#: instead of pyinstrument's wall time, which on a loaded machine is mostly waiting.
CPU = "--cpu" in sys.argv


@contextlib.contextmanager
def profiled() -> Iterator[Callable[[], str]]:
    """Profile the block; yields what prints the profile once the block is over."""
    if not CPU:
        profiler = Profiler(interval=0.0005)
        with profiler:
            yield lambda: profiler.output_text(unicode=True, color=False, show_all=False)
        return
    cpu = cProfile.Profile(time.process_time)
    text = io.StringIO()

    def printed() -> str:
        if os.environ.get("PROFILE_OUT"):  # for pstats' callers and callees
            cpu.dump_stats(os.environ["PROFILE_OUT"])
        stats = pstats.Stats(cpu, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return text.getvalue()

    with cpu:
        yield printed


class Statements:
    """Counts the statements an engine runs, from now until :meth:`stop`."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seen = engine, 0
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *_args: object) -> None:
        self.seen += 1

    def stop(self) -> int:
        event.remove(self.engine, "before_cursor_execute", self._one)
        return self.seen


#: ``PROFILE_SEND_CONCURRENCY=1`` hands every message over from the profiled thread, so
#: the profile sees the sending too (cProfile follows one thread).
NOTIFY_ENV = {key: value for key, value in
              (("SEND_CONCURRENCY", os.environ.get("PROFILE_SEND_CONCURRENCY")),) if value}
#: ``--http``: send the SMS to a gateway on 127.0.0.1 in a process of its own, as
#: ``make bench`` does, instead of the dev outbox (a table, one transaction per message).
HTTP = "--http" in sys.argv


@contextlib.contextmanager
def gateway() -> Iterator[dict[str, str]]:
    """The settings that send SMS to bench.run's gateway, run in a child process (its CPU
    is not this process's)."""
    if not HTTP:
        yield {}
        return
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; from bench.run import Gateway; "
         "print(Gateway().url, flush=True); time.sleep(3600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield {"SMS_PROVIDER": "http", "SMS_GATEWAY_URL": child.stdout.readline().strip()}
    finally:
        child.kill()
        child.wait()


def notify_main(count: int) -> None:
    with databases("booking", "notify") as db, tempfile.TemporaryDirectory() as scratch, \
            gateway() as sms:
        booking_settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                                    var_dir=Path(scratch), log_level="WARNING")
        app = create_app(booking_settings)
        spread, _, day = seed(app.extensions["clinic"])
        call = booking(app.test_client(), spread, day)
        for _ in range(2 * count):
            call()
        with app.extensions["clinic"].db.reading() as session:
            events = [Event.from_json(body) for body in session.scalars(
                select(OutboxMessage.body).where(
                    OutboxMessage.event_type == "booking.appointment.booked"))]
        app.extensions["clinic"].db.dispose()
        rt = boot(NotifySettings.from_env(environ={**NOTIFY_ENV, **sms}, database_url=db["notify"],
                                          var_dir=Path(scratch), log_level="WARNING"),
                  NOTIFY_MIGRATIONS, hospital=NotifyHospital)
        consumer = notify_consumer(rt)
        sender = Sender(rt, build_providers(rt.settings, rt.db))
        with rt.db.transaction() as session:
            keep_hospital = NOTIFY_HANDLERS.bind(rt)[HospitalUpdated.TYPE]
            keep_hospital(session, Event(type=HospitalUpdated.TYPE, source="bench",
                                         data=HOSPITAL))
        timed, again = events[:count], events[count:]

        def handle(events: list[Event]) -> None:
            for at in range(0, len(events), consumer.batch):
                if not consumer.handle_together(events[at:at + consumer.batch]):
                    raise RuntimeError("a batch failed")

        started, cpu_started = time.perf_counter(), time.process_time()
        handle(timed)
        handled, cpu_handled = time.perf_counter(), time.process_time()
        while sender.send_due():
            pass
        sent, cpu_sent = time.perf_counter(), time.process_time()
        with profiled() as profile:
            handle(again)
            while sender.send_due():
                pass
        rt.db.dispose()
    print(profile())
    def per_event(seconds: float) -> str:
        return f"{seconds / len(timed) * 1000:.2f}"

    # Wall time includes PostgreSQL's share; this process's CPU time is Python's alone
    # (the sender's threads too) and is much steadier on a shared machine.
    print(f"bench: notify_handle_ms={per_event(handled - started)} "
          f"notify_send_ms={per_event(sent - handled)} "
          f"notify_handle_cpu_ms={per_event(cpu_handled - cpu_started)} "
          f"notify_send_cpu_ms={per_event(cpu_sent - cpu_handled)} events={len(timed)}")


if __name__ == "__main__":
    sys.argv = [arg for arg in sys.argv if arg not in ("--cpu", "--http")]
    if len(sys.argv) >= 2 and sys.argv[1] == "notify":
        notify_main(int(sys.argv[2]) if len(sys.argv) > 2 else 300)
        sys.exit()
    if len(sys.argv) < 2 or sys.argv[1] not in PATHS:
        sys.exit(f"usage: python -m bench.profile {{{','.join([*PATHS, 'notify'])}}} [count]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
