"""The faults, one after another: every kind once in a random order, then random extras.

- ``<service>-web``: kill -9 of gunicorn's arbiter and its web workers, restarted 1 s
  later; over when ``/readyz`` answers 200.
- ``<service>-worker``: kill -9 of the worker, restarted 1 s later.
- ``pg-terminate``: ``pg_terminate_backend`` of every connection to the soak's databases.
- ``vhost-close``: ``rabbitmqctl close_all_connections --vhost`` of the soak's vhost.
- ``gateway-outage``: the SMS gateway answers 503 (``/health`` too) for 20–28 s.
- ``gateway-throttle``: the SMS gateway answers 429 with Retry-After 2 for 8–12 s.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time

import psycopg

from .clinic import ADMIN_DSN, CHECKER, SERVICES, Clinic
from .history import History

KILLS = tuple(f"{service}-{part}" for service in SERVICES for part in ("web", "worker"))
KINDS = (*KILLS, "pg-terminate", "vhost-close", "gateway-outage", "gateway-throttle")
RESTART_AFTER = 1.0  # as a supervisor (or Docker's restart policy) would
GATEWAY_KINDS = ("gateway-outage", "gateway-throttle")


class Faults:
    def __init__(self, clinic: Clinic, history: History, kinds: tuple[str, ...] = KINDS,
                 gap: tuple[float, float] = (6.0, 12.0), seed: int | None = None) -> None:
        self.clinic, self.history = clinic, history
        self.kinds = kinds
        self.gap = gap
        self.rng = random.Random(seed)
        self.done: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.until = 0.0
        self.error: BaseException | None = None

    def start(self, seconds: float) -> None:
        """Faults until ``seconds`` from now; the last one starts early enough to end by then."""
        self.until = time.monotonic() + seconds
        self.thread.start()

    def join(self) -> None:
        self.stop.set()
        self.thread.join(timeout=120)

    def _run(self) -> None:
        try:
            first = list(self.kinds)
            self.rng.shuffle(first)
            while not self.stop.wait(self.rng.uniform(*self.gap)):
                owed = bool(first)  # every kind strikes once, whatever the time
                kind = first.pop(0) if first else self.rng.choice(self.kinds)
                if time.monotonic() + self._longest(kind) > self.until and not owed:
                    return
                self.strike(kind)
        except BaseException as error:  # reported by the soak
            self.error = error

    @staticmethod
    def _longest(kind: str) -> float:
        return {"gateway-outage": 28.0, "gateway-throttle": 12.0}.get(kind, 10.0)

    def strike(self, kind: str) -> None:
        start = self.history.now()
        detail: dict[str, object] = {}
        if kind in KILLS:
            self.clinic.kill(kind)
            time.sleep(RESTART_AFTER)
            self.clinic.start(kind)
            if kind.endswith("-web"):
                self.clinic.wait_ready((kind.removesuffix("-web"),), timeout=60)
        elif kind == "pg-terminate":
            detail["connections"] = self.terminate_connections()
        elif kind == "vhost-close":
            detail["closed"] = self.close_vhost_connections()
            start = self.history.now() - 0.1  # the close itself, after the listing
        elif kind == "gateway-outage":
            seconds = round(self.rng.uniform(20, 28), 1)
            self.clinic.gateway.down_for(seconds)
            self.stop.wait(seconds)
        elif kind == "gateway-throttle":
            seconds = round(self.rng.uniform(8, 12), 1)
            self.clinic.gateway.throttle_for(seconds, retry_after=2)
            self.stop.wait(seconds)
        else:
            raise ValueError(f"no fault {kind}")
        self.history.write("fault", t=start, kind=kind, start=start, end=self.history.now(),
                           **detail)
        self.done.append(kind)

    def terminate_connections(self) -> int:
        names = [url.rsplit("/", 1)[1] for url in self.clinic.databases.values()]
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(%s) AND application_name <> %s", (names, CHECKER))
            row = killed.fetchone()
            return int(row[0] or 0) if row else 0

    def close_vhost_connections(self) -> int:
        """Every AMQP connection of the soak's vhost closed by the broker, as an operator's
        ``rabbitmqctl close_all_connections`` or a node's failover would (the management
        API is not enabled on this machine; rabbitmqctl needs no root here)."""
        listed = subprocess.run(["rabbitmqctl", "-q", "list_connections", "vhost"],
                                capture_output=True, text=True, timeout=60, check=True)
        count = sum(line.strip() == self.clinic.vhost for line in listed.stdout.splitlines())
        # the close is the last thing rabbitmqctl does (it takes seconds to start)
        subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "--vhost",
                        self.clinic.vhost, "soak: forced close"],
                       capture_output=True, text=True, timeout=60, check=True)
        return count
