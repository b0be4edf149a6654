"""The clinic the soak hurts: four services in production mode, their databases, the vhost.

Each service's web (gunicorn) and worker run as the Procfile says, each in a process group
of its own, so a kill -9 takes a gunicorn arbiter with its web workers, as a container's
end would. Everything made here is removed on exit, also after Ctrl-C or a failure.
Uses ``tests.support.servers`` (free ports, databases, vhost) and
``tests.support.gateway.FakeGateway`` as they are.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

from services.booking.config import BookingSettings
from services.booking.handlers import EVENT_TYPES as BOOKING_EVENTS
from services.booking.models import MIGRATIONS as BOOKING_MIGRATIONS
from services.common.config import Settings
from services.common.service import boot
from services.common.tokens import issue_token
from services.followup.config import FollowupSettings
from services.followup.handlers import EVENT_TYPES as FOLLOWUP_EVENTS
from services.followup.models import MIGRATIONS as FOLLOWUP_MIGRATIONS
from services.notify.config import NotifySettings
from services.notify.handlers import EVENT_TYPES as NOTIFY_EVENTS
from services.notify.models import MIGRATIONS as NOTIFY_MIGRATIONS
from services.schedule.config import ScheduleSettings
from services.schedule.models import MIGRATIONS as SCHEDULE_MIGRATIONS
from services.supervisor import read_procfile
from tests.support import servers
from tests.support.gateway import FakeGateway

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICES = ("schedule", "booking", "notify", "followup")
#: The soak's own connections carry this name: cutting the services' connections spares them.
CHECKER = "clinic-soak-check"
ADMIN_DSN = (f"host={servers.PG_HOST} port={servers.PG_PORT} user={servers.PG_USER} "
             "dbname=postgres")
# Consumers first: their queues must be bound before any producer publishes.
PARTS: tuple[tuple[str, type[Settings], Any, Any], ...] = (
    ("booking", BookingSettings, BOOKING_MIGRATIONS, BOOKING_EVENTS),
    ("notify", NotifySettings, NOTIFY_MIGRATIONS, NOTIFY_EVENTS),
    ("followup", FollowupSettings, FOLLOWUP_MIGRATIONS, FOLLOWUP_EVENTS),
    ("schedule", ScheduleSettings, SCHEDULE_MIGRATIONS, ()),
)


def commands() -> dict[str, list[str]]:
    """The Procfile's eight processes, named ``<service>-web`` and ``<service>-worker``."""
    import shlex

    found = {}
    for name, command in read_procfile(ROOT / "Procfile").items():
        kind = name if name.endswith("-worker") else f"{name}-web"
        argv = shlex.split(command)
        argv[0] = str(BIN / argv[0])
        found[kind] = argv
    return found


@dataclass
class Clinic:
    """The running processes, their databases and vhost, the gateway."""

    folder: Path
    env: dict[str, str]
    urls: dict[str, str]
    databases: dict[str, str]  # service → SQLAlchemy URL
    vhost: str
    gateway: FakeGateway
    secret: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    argv: dict[str, list[str]] = field(default_factory=commands)

    def start(self, kind: str) -> None:
        log = (self.folder / f"{kind}.log").open("ab")
        self.processes[kind] = subprocess.Popen(
            self.argv[kind], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill(self, kind: str) -> None:
        """kill -9 of the process and everything it started (gunicorn's web workers)."""
        process = self.processes[kind]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def ready(self, service: str) -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.urls[service]}/readyz", timeout=2).status_code == 200
        return False

    def wait_ready(self, services: tuple[str, ...] = SERVICES, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        waiting = list(services)
        while waiting and time.monotonic() < deadline:
            waiting = [s for s in waiting if not self.ready(s)]
            if waiting:
                time.sleep(0.2)
        return not waiting

    def token(self, username: str, role: str) -> str:
        return issue_token(self.secret, username, [role], ttl_seconds=6 * 3600)

    def dsn(self, service: str) -> str:
        """A psycopg connection string to the service's database, named as the checker's."""
        url = self.databases[service].replace("postgresql+psycopg://", "postgresql://")
        return f"{url}?application_name={CHECKER}"

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def alive(self) -> dict[str, bool]:
        return {kind: process.poll() is None for kind, process in self.processes.items()}

    def logs(self, tail: int = 2000) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}"
                         for path in sorted(self.folder.glob("*.log")))


def production_env(folder: Path, secret: str, broker_url: str, databases: dict[str, str],
                   ports: dict[str, int], gateway: FakeGateway) -> dict[str, str]:
    """The environment of every process: production mode, as docker-compose.yml sets it,
    with this run's databases, vhost, ports and gateway."""
    env = {**os.environ, "ENV": "production", "JWT_SECRET": secret, "LOG_LEVEL": "INFO",
           "VAR_DIR": str(folder / "var"), "METRICS_DIR": str(folder / "metrics"),
           "BROKER_URL": broker_url, "WORKER_METRICS_PORT": "0",
           "WEB_CONCURRENCY": "1", "WEB_THREADS": "8",
           "SMS_PROVIDER": "http", "SMS_GATEWAY_URL": gateway.url,
           "SMS_GATEWAY_STATUS_URL": gateway.status_url,
           "SMS_GATEWAY_HEALTH_URL": gateway.health_url,
           "SMS_GATEWAY_ID_FIELD": "result.message_id", "EMAIL_PROVIDER": "none",
           "SMS_WEBHOOK_SECRET": secrets.token_hex(32),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("LOG_FILE", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = databases[service]
        env[f"{service.upper()}_PORT"] = str(ports[service])
        env[f"{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}"
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate each database and declare the queues, as ``clinic-run`` does."""
    for _, settings_cls, migrations, consumes in PARTS:
        boot(settings_cls.from_env(environ=env), migrations, consumes).db.dispose()


@contextlib.contextmanager
def running_clinic(folder: Path) -> Iterator[Clinic]:
    """The whole clinic, started and ready; stopped and removed when the block ends."""
    if not servers.port_open(servers.RABBIT_HOST, servers.RABBIT_PORT):
        raise RuntimeError("RabbitMQ is not reachable on "
                           f"{servers.RABBIT_HOST}:{servers.RABBIT_PORT}")
    with contextlib.ExitStack() as stack:
        broker_url = stack.enter_context(servers.rabbit_vhost())
        databases = {s: stack.enter_context(servers.pg_database(f"clinic_soak_{s}"))
                     for s in SERVICES}
        gateway = stack.enter_context(FakeGateway())
        ports = {s: servers.free_port() for s in SERVICES}
        secret = secrets.token_hex(32)
        env = production_env(folder, secret, broker_url, databases, ports, gateway)
        prepare(env)
        clinic = Clinic(folder, env, {s: f"http://127.0.0.1:{p}" for s, p in ports.items()},
                        databases, broker_url.rsplit("/", 1)[1], gateway, secret)
        stack.callback(clinic.stop_all)
        for kind in clinic.argv:
            clinic.start(kind)
        if not clinic.wait_ready():
            raise RuntimeError(f"the clinic did not start:\n{clinic.logs()}")
        yield clinic


# --- the hospital, through schedule's API as an admin would set it up ---------------------

def set_up_hospital(clinic: Clinic, experts: int, first_day: date, days: int) -> list[int]:
    """The hospital's facts, one department, ``experts`` experts with a session every day
    (08:00–17:00, 15-minute slots of 5 places), published for ``days`` days from
    ``first_day``; returns the experts' ids."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {clinic.token('soak-admin', 'admin')}"
    base = f"{clinic.urls['schedule']}/api/v1"

    def call(method: str, path: str, body: dict[str, Any]) -> Any:
        response = api.request(method, f"{base}{path}", json=body, timeout=30)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    call("PUT", "/hospital", {"name": "仁和医院", "address": "北京市东城区", "directions": "",
                              "phone": "010-6512 3456", "language": "zh-CN",
                              "time_zone": "Asia/Shanghai"})
    department = call("POST", "/departments", {"code": "SOAK", "name": "心内科"})
    ids = []
    for n in range(experts):
        expert = call("POST", "/experts", {"code": f"S{n}", "name": f"专家{n}", "title": "主任医师",
                                           "department_id": department["id"], "fee": "50.00"})
        ids.append(expert["id"])
        for weekday in range(1, 8):
            call("POST", f"/experts/{expert['id']}/templates", {
                "weekday": weekday, "start": "08:00", "end": "17:00", "slot_minutes": 15,
                "capacity_per_slot": 5, "valid_from": first_day.isoformat()})
    call("POST", "/publish", {"from": first_day.isoformat(), "days": days})
    return ids


def bookable_slots(clinic: Clinic, first_day: date, timeout: float = 120) -> list[int]:
    """Booking's slots from ``first_day`` on, once schedule's events have reached it."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        with psycopg.connect(clinic.dsn("booking")) as conn:
            ids = [row[0] for row in conn.execute(
                "SELECT id FROM slots WHERE day >= %s ORDER BY id", (first_day,))]
        if ids and len(ids) == last:
            return ids
        last = len(ids)
        time.sleep(2)
    raise RuntimeError("schedule's slots did not reach booking")


def soak_days(today: date) -> tuple[date, int]:
    """From the day after tomorrow, six days: no reminder falls due, all bookable."""
    return today + timedelta(days=2), 6
