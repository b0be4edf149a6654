"""Booking and notify as in production, on PostgreSQL and RabbitMQ, to be hurt on purpose.

Booking's web process runs under gunicorn, booking's and notify's workers run as
their own processes, and notify sends SMS to a fake gateway on 127.0.0.1, so a
test can stop the broker, kill a worker, take the gateway down or cut the
database connections while consultants book, then check what patients received.
Slots are put into booking's inventory directly (as schedule's events would),
so each test books on slots of its own.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bench.run import publish
from services.booking.config import BookingSettings
from services.booking.handlers import EVENT_TYPES as BOOKING_EVENTS
from services.booking.handlers import HANDLERS as BOOKING_HANDLERS
from services.booking.models import MIGRATIONS as BOOKING_MIGRATIONS
from services.booking.models import Appointment, IdempotencyRecord
from services.booking.models import DeadLetter as BookingDeadLetter
from services.booking.models import Hospital as BookingHospital
from services.booking.models import OutboxMessage as BookingOutbox
from services.common.config import DEFAULT_JWT_SECRET
from services.common.db import Database
from services.common.events import Event
from services.common.hospital_copy import hospital_reader
from services.common.runtime import Runtime
from services.common.service import boot
from services.common.tokens import issue_token
from services.notify.config import NotifySettings
from services.notify.handlers import EVENT_TYPES as NOTIFY_EVENTS
from services.notify.handlers import HANDLERS as NOTIFY_HANDLERS
from services.notify.models import MIGRATIONS as NOTIFY_MIGRATIONS
from services.notify.models import DeadLetter as NotifyDeadLetter
from services.notify.models import InboxRecord as NotifyInbox
from services.notify.models import Message
from tests.support import servers
from tests.support.bus import Running, wait_until
from tests.support.gateway import FakeGateway
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The test's own connections carry this name, so cutting the services' connections spares them.
CHECKER = "clinic-fault-check"
CONSULTANT = "fault-consultant"
ADMIN = f"host={servers.PG_HOST} port={servers.PG_PORT} user={servers.PG_USER} dbname=postgres"


@dataclass
class System:
    """The running processes, their databases, the gateway, and ways to hurt them."""

    folder: Path
    env: dict[str, str]
    booking_url: str
    booking: Database
    notify: Database
    gateway: FakeGateway
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    web_urls: list[str] = field(default_factory=list)
    next_expert: int = 100

    COMMANDS = {
        "booking-web": [str(BIN / "gunicorn"), "-c", "python:services.booking.gunicorn_conf",
                        "services.booking.app:create_app()"],
        "booking-worker": [str(BIN / "clinic-booking"), "worker"],
        "notify-worker": [str(BIN / "clinic-notify"), "worker"],
    }

    def start(self, name: str, **env: str) -> None:
        """Start a process; a copy is named after its kind (``booking-web-2``) and may
        have settings of its own (its port)."""
        command = self.COMMANDS[name if name in self.COMMANDS else name.rsplit("-", 1)[0]]
        log = (self.folder / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env},
                                                stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)

    def kill(self, name: str) -> None:
        """SIGKILL of the process and all it started (gunicorn's web workers, as a
        container's end): no clean-up, no ack, no answer, no commit of what was under way."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.folder.glob("*.log")))

    def new_slots(self, count: int, capacity: int = 5) -> list[int]:
        """``count`` fresh slots of a new expert, three days ahead (no reminder falls due)."""
        self.next_expert += 1
        day = (datetime.now(UTC) + timedelta(days=3)).date()
        rt = Runtime(settings=BookingSettings.from_env(environ={}), db=self.booking,
                     bus=None, hospital=hospital_reader(BookingHospital))  # type: ignore[arg-type]
        return publish(rt, self.next_expert, 1, day, count, capacity)

    def cut_database_connections(self, names: list[str] | None = None) -> int:
        """Terminate every server connection of booking's and notify's processes."""
        names = names or [self.booking.engine.url.database, self.notify.engine.url.database]
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(%s) AND application_name <> %s", (names, CHECKER))
            return int(killed.fetchone()[0] or 0)

    @contextlib.contextmanager
    def database_outage(self, *services: str) -> Iterator[None]:
        """The services' databases (``"booking"``, ``"notify"``) refuse connections and
        lose the ones they had, as in a failover, until the block ends."""
        names = [getattr(self, service).engine.url.database for service in services]
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            for name in names:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            try:
                self.cut_database_connections(names)
                yield
            finally:
                for name in names:
                    admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    def committed(self, key: str) -> bool:
        """Did a booking made with this Idempotency-Key commit? (Same transaction.) Asked
        before the client retries, so the answer is about the request that got the 5xx;
        it waits for the database if it is away."""
        deadline = time.monotonic() + 60
        while True:
            try:
                with self.booking.reading() as session:
                    return session.scalar(select(IdempotencyRecord.key)
                                          .where(IdempotencyRecord.key == key)) is not None
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


@contextlib.contextmanager
def running_system(folder: Path, copies: int = 1,
                   broker_url: str | None = None) -> Iterator[System]:
    """Booking's web and worker and notify's worker, ``copies`` of each, on one PostgreSQL
    database per service and one RabbitMQ vhost of the machine's node (or ``broker_url``);
    the n-th web copy listens on ``system.web_urls[n]``."""
    if broker_url is None and not servers.port_open(servers.RABBIT_HOST, servers.RABBIT_PORT):
        servers.unavailable("RabbitMQ is not reachable")
    broker = contextlib.nullcontext(broker_url) if broker_url else servers.rabbit_vhost()
    with broker as amqp_url, servers.pg_database() as booking_db, \
            servers.pg_database() as notify_db, FakeGateway() as gateway:
        ports = [free_port() for _ in range(copies)]
        env = {**os.environ, "LOG_LEVEL": "INFO", "VAR_DIR": str(folder / "var"),
               "BROKER_URL": amqp_url, "BOOKING_DATABASE_URL": booking_db,
               "NOTIFY_DATABASE_URL": notify_db, "BOOKING_PORT": str(ports[0]),
               "WEB_CONCURRENCY": "1", "WEB_THREADS": "8",
               "SMS_PROVIDER": "http", "SMS_GATEWAY_URL": gateway.url,
               "SMS_GATEWAY_STATUS_URL": gateway.status_url,
               "SMS_GATEWAY_ID_FIELD": "result.message_id",
               # short enough for a bounded test: a lost claim is retried after 3 s,
               # a refused send after 0.5 s, 1 s, 2 s …
               "SEND_LEASE_SECONDS": "3", "SEND_RETRY_BASE_SECONDS": "0.5",
               "SEND_BATCH_SIZE": "10",
               "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        prepare(env)
        running = System(folder, env, f"http://127.0.0.1:{ports[0]}",
                         Database(f"{booking_db}?application_name={CHECKER}"),
                         Database(f"{notify_db}?application_name={CHECKER}"), gateway,
                         web_urls=[f"http://127.0.0.1:{port}" for port in ports])
        try:
            for copy, port in enumerate(ports, start=1):
                suffix = "" if copy == 1 else f"-{copy}"
                for name in System.COMMANDS:
                    running.start(name + suffix, BOOKING_PORT=str(port))
            for url in running.web_urls:
                assert wait_until(lambda url=url: ready(url), 60, 0.2), running.logs()
            yield running
        finally:
            running.stop_all()
            running.booking.dispose()
            running.notify.dispose()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, postgres_available: bool) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("faults")) as running:
        yield running


def prepare(env: dict[str, str]) -> None:
    """Migrate, declare the queues and give both services the hospital's facts."""
    hospital = Event(type="schedule.hospital.updated", source="test", data={
        "name": "仁和医院", "address": "北京市东城区", "directions": "", "phone": "010-6512 3456",
        "language": "zh-CN", "time_zone": "Asia/Shanghai"})
    parts = ((BookingSettings, BOOKING_MIGRATIONS, BOOKING_EVENTS, BOOKING_HANDLERS),
             (NotifySettings, NOTIFY_MIGRATIONS, NOTIFY_EVENTS, NOTIFY_HANDLERS))
    for settings_cls, migrations, consumes, handlers in parts:
        rt = boot(settings_cls.from_env(environ=env), migrations, consumes)
        with rt.db.transaction() as session:
            handlers.bind(rt)[hospital.type](session, hospital)
        rt.db.dispose()


def ready(url: str) -> bool:
    with contextlib.suppress(requests.RequestException):
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    return False


# --- consultants booking while things break ---------------------------------------------------

@dataclass
class Booking:
    key: str
    phone: str
    answers: list[int] = field(default_factory=list)  # every status seen; 0 = no answer
    code: str | None = None
    appointment_id: int | None = None
    booked_at: float | None = None  # time.monotonic() of the 201
    url: str = ""  # the web copy that answered it


class Burst:
    """Consultants booking in parallel until told to stop, each retrying a failed request
    with its Idempotency-Key, as the console does. Right after any 5xx it checks the
    database: a 5xx for a booking that was in fact made is recorded as a violation."""

    def __init__(self, system: System, slots: list[int], clients: int = 4,
                 pause: float = 0.05, urls: list[str] | None = None) -> None:
        self.system = system
        self.urls = urls or [system.booking_url]  # the n-th booking goes to urls[n % len]
        self.slots = slots
        self.places = len(slots) * 5
        self.pause = pause
        self.bookings: list[Booking] = []
        self.violations: list[str] = []
        self.lock = threading.Lock()
        self.token = issue_token(DEFAULT_JWT_SECRET, CONSULTANT, ["consultant"],
                                 ttl_seconds=3600)
        self.run_tag = uuid.uuid4().int % 10**5
        # A client may be inside a 90 s retry when told to stop: wait for it to finish.
        self.running = Running(*(functools.partial(self._client, n, clients)
                                 for n in range(clients)), join_timeout=120)

    @property
    def done(self) -> int:
        with self.lock:
            return sum(b.code is not None for b in self.bookings)

    def __enter__(self) -> Burst:
        self.running.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running.__exit__(*exc)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        count = min(count, self.places)
        assert wait_until(lambda: self.done >= count, timeout, 0.2), \
            f"only {self.done} bookings made:\n{self.system.logs()}"

    def _client(self, index: int, clients: int, stop: threading.Event) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        for n in range(index, self.places, clients):
            if stop.is_set():
                return
            booking = Booking(key=str(uuid.uuid4()), phone=f"139{self.run_tag:05d}{n:03d}")
            with self.lock:
                self.bookings.append(booking)
            self._book(session, booking, self.slots[n // 5], self.urls[n % len(self.urls)])
            time.sleep(self.pause)

    def _book(self, session: requests.Session, booking: Booking, slot_id: int,
              url: str) -> None:
        body = {"slot_id": slot_id, "channel": "phone",
                "patient": {"name": "故障测试", "phone": booking.phone, "sms_consent": True}}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = session.post(f"{url}/api/v1/appointments",
                                        json=body, headers={"Idempotency-Key": booking.key},
                                        timeout=15)
                status = response.status_code
            except requests.RequestException:
                status, response = 0, None
            booking.answers.append(status)
            if status >= 500 and self.system.committed(booking.key):
                with self.lock:
                    self.violations.append(f"{status} for a booking that was made ({booking.key})")
            if status == 201 and response is not None:
                booking.appointment_id = response.json()["id"]
                booking.code = response.json()["code"]
                booking.booked_at, booking.url = time.monotonic(), url
                return
            if 400 <= status < 500:
                with self.lock:
                    self.violations.append(f"{status} {response.text[:200] if response else ''}")
                return
            time.sleep(0.5)


# --- what the patients received ---------------------------------------------------------------

def settled(system: System, burst: Burst, timeout: float = 120) -> dict[int, list[Message]]:
    """Wait until every booking's confirmation is sent; return the SMS messages by appointment."""
    ids = {b.appointment_id for b in burst.bookings if b.appointment_id}

    def confirmations() -> dict[int, list[Message]]:
        with system.notify.reading() as session:
            rows = session.scalars(select(Message).where(
                Message.appointment_id.in_(ids), Message.channel == "sms",
                Message.template == "confirmation")).all()
        found: dict[int, list[Message]] = {}
        for row in rows:
            found.setdefault(row.appointment_id, []).append(row)
        return found

    def all_sent() -> bool:
        found = confirmations()
        return len(found) == len(ids) and all(m.status == "sent" for rows in found.values()
                                              for m in rows)

    assert wait_until(all_sent, timeout, 0.5), (
        f"{len(confirmations())} of {len(ids)} confirmations, not all sent:\n{system.logs()}")
    time.sleep(1.0)  # anything late (a duplicate) would show up now
    return confirmations()


def assert_each_booking_confirmed_once(system: System, burst: Burst) -> dict[str, int]:
    """Every booking made: exactly one SMS confirmation reached the gateway, naming its code;
    no event was lost on the way; nothing parked; no 5xx for a booking that was made."""
    assert burst.violations == []
    made = [b for b in burst.bookings if b.code]
    assert len(made) == len(burst.bookings), "every booking went through in the end"
    by_appointment = settled(system, burst)

    with system.booking.reading() as session:
        codes = set(session.scalars(select(Appointment.code).where(
            Appointment.id.in_([b.appointment_id for b in made]),
            Appointment.status == "booked")))
        published = session.scalars(select(BookingOutbox.event_id).where(
            BookingOutbox.event_type.in_(NOTIFY_EVENTS))).all()
        unpublished = session.scalar(select(BookingOutbox.id).where(
            BookingOutbox.published_at.is_(None)).limit(1))
        parked = session.scalars(select(BookingDeadLetter.id)).all()
    assert codes == {b.code for b in made}, "each answer 201 is a booked appointment"
    assert unpublished is None, "booking's outbox is empty"
    with system.notify.reading() as session:
        handled = set(session.scalars(select(NotifyInbox.event_id)))
        parked += session.scalars(select(NotifyDeadLetter.id)).all()
    assert set(published) <= handled, "every event booking published reached notify"
    assert parked == [], "nothing was parked as dead"

    for booking in made:
        rows = by_appointment[booking.appointment_id]
        assert len(rows) == 1, f"one confirmation message for {booking.code}"
        assert f"msg-{rows[0].id}" in system.gateway.delivered
        assert system.gateway.raw_count(booking.code) == 1, \
            f"the gateway took exactly one confirmation for {booking.code}, counted before " \
            "its own de-duplication"
    summary = {"bookings": len(made),
               "answers_5xx": sum(status >= 500 for b in made for status in b.answers),
               "most_sms_attempts": max(rows[0].attempts for rows in by_appointment.values()),
               "resends": len(system.gateway.taken) - len(system.gateway.delivered),
               "looked_up_after_a_crash": len(system.gateway.lookups)}
    print("fault summary:", summary)  # shown with -s, or when a test fails
    return summary
