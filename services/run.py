"""``make run``: the whole clinic on one machine, on the embedded default.

Migrates the databases, loads the demo hospital on the first start, then runs the
web processes and the workers of the Procfile under a supervisor that restarts
any that crashes (:mod:`services.supervisor`), and prints the URLs and demo logins
once every service answers ``/readyz``. Ctrl-C stops all.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

from services.booking.config import BookingSettings
from services.booking.handlers import EVENT_TYPES as BOOKING_EVENTS
from services.booking.models import MIGRATIONS as BOOKING_MIGRATIONS
from services.common.service import boot
from services.followup.config import FollowupSettings
from services.followup.handlers import EVENT_TYPES as FOLLOWUP_EVENTS
from services.followup.models import MIGRATIONS as FOLLOWUP_MIGRATIONS
from services.followup.ops.demo import load_demo_answers
from services.notify.config import NotifySettings
from services.notify.handlers import EVENT_TYPES as NOTIFY_EVENTS
from services.notify.models import MIGRATIONS as NOTIFY_MIGRATIONS
from services.schedule.config import ScheduleSettings
from services.schedule.domain.staff import DEMO_PASSWORD, DEMO_STAFF
from services.schedule.models import MIGRATIONS as SCHEDULE_MIGRATIONS
from services.schedule.ops.demo import load_demo
from services.supervisor import supervise

ROOT = Path(__file__).resolve().parent.parent
# Consumers first: their queues must be bound before any producer publishes.
PARTS = (
    ("booking", BookingSettings, BOOKING_MIGRATIONS, BOOKING_EVENTS),
    ("notify", NotifySettings, NOTIFY_MIGRATIONS, NOTIFY_EVENTS),
    ("followup", FollowupSettings, FOLLOWUP_MIGRATIONS, FOLLOWUP_EVENTS),
    ("schedule", ScheduleSettings, SCHEDULE_MIGRATIONS, ()),
)


def worker_metrics_urls() -> dict[str, str]:
    """Each worker's ``/metrics`` address, as its settings say (9181-9184 by default)."""
    urls = {}
    for name, settings_cls, _, _ in PARTS:
        own = settings_cls.from_env()
        if own.worker_metrics_port is not None and own.worker_metrics_port > 0:
            urls[name] = f"http://{own.host}:{own.worker_metrics_port}/metrics"
    return urls


def prepare() -> dict[str, str]:
    """Migrate, declare the queues, load the demo; return each service's base URL."""
    urls = {}
    for name, settings_cls, _, _ in PARTS:  # links between pages follow the ports in use
        own = settings_cls.from_env()
        os.environ.setdefault(f"{name.upper()}_URL", f"http://{own.host}:{own.port}")
    for name, settings_cls, migrations, consumes in PARTS:
        settings = settings_cls.from_env()
        boot(settings, migrations, consumes).db.dispose()
        urls[name] = f"http://{settings.host}:{settings.port}"
    schedule = boot(ScheduleSettings.from_env(), SCHEDULE_MIGRATIONS)
    if schedule.settings.load_demo and not schedule.settings.is_production:
        load_demo(schedule)
        followup = boot(FollowupSettings.from_env(), FOLLOWUP_MIGRATIONS)
        if not followup.settings.is_production:
            load_demo_answers(followup)
        followup.db.dispose()
    schedule.db.dispose()
    return {name: urls[name] for name in ("schedule", "booking", "notify", "followup")}


def wait_ready(urls: dict[str, str], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        del pending[name]
            except OSError:
                pass
        time.sleep(0.3)
    return not pending


def banner(urls: dict[str, str]) -> str:
    logins = ", ".join(f"{username}/{DEMO_PASSWORD}" for username, _, _ in DEMO_STAFF)
    lines = ["", "clinic is running (Ctrl-C stops everything):"]
    lines += [f"  {name:<9} {url}   (API: {url}/api/v1/openapi.json)" for name, url in urls.items()]
    stream = BookingSettings.from_env().stream_address
    lines += [f"  console stream (booking's counts pushed): {stream}/api/v1/stream/counts",
              f"  dev outbox (SMS and email that would have been sent): {urls['notify']}/outbox",
              f"  follow-up worklist (consultants): {urls['followup']}/worklist"]
    credentials = '{"username": "admin", "password": "demo"}'
    lines += ["  metrics (Prometheus): each web address + /metrics; the workers at"]
    workers = worker_metrics_urls()
    lines += [f"    {name}-worker {workers[name]}" for name in urls if name in workers]
    lines += [f"  demo logins: {logins}",
              f"  get a token: curl -s -X POST {urls['schedule']}/api/v1/auth/token "
              f"-H 'Content-Type: application/json' -d '{credentials}'",
              ""]
    return "\n".join(lines)


def main() -> None:
    os.chdir(ROOT)
    os.environ.setdefault("WEB_CONCURRENCY", "1")
    os.environ.setdefault("WEB_THREADS", "8")
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    urls = prepare()
    # prepare() has migrated every database: the processes need not check again (each
    # would load Alembic and read every revision, a quarter of a CPU-second apiece).
    os.environ.setdefault("MIGRATE_ON_START", "false")

    def announce() -> None:
        if wait_ready(urls):
            print(banner(urls), flush=True)
        else:
            print("clinic: not every service answered /readyz within 60 s; see the log above",
                  flush=True)

    threading.Thread(target=announce, daemon=True).start()
    # The processes run in our process group: Ctrl-C reaches them too; the supervisor
    # stops the rest and waits for them.
    sys.exit(supervise(ROOT / "Procfile", ROOT))


if __name__ == "__main__":
    main()
