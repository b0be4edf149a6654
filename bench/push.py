"""``python -m bench.push``: how fast a booking reaches 50 open consoles (``push_p99_ms``).

Production's shape on this machine: booking's web under gunicorn (2 × 8 gthread, as
docker-compose.yml ships it) and the stream process (``services.booking.stream``, its
own gunicorn) on a fresh PostgreSQL database seeded as ``bench.run`` seeds it (50
experts × 32 slots in one department-day). 50 consoles subscribe to that department-day
(server-sent events, one asyncio client each); then ``BENCH_PUSH_BOOKINGS`` (100)
bookings are made one after another, each in a slot of its own, a few a second.

For each booking, from its answer (201) to the moment each console has an event whose
counts show it: ``push_p99_ms`` is the p99 over bookings of the time until **every**
console had it (SPEC §7), ``push_each_p99_ms`` the p99 over (booking, console) pairs.
``heard_p99_ms``: from sending the booking that fills a slot (``FILLED`` slots, filled
after the push run) to a plain ``LISTEN`` connection of this process hearing its
notification — the bound on how long another web process may still
refuse a place just freed from memory (docs/booking.md). No RabbitMQ: the bookings'
events stay in the outbox (no worker runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time

import psycopg
import requests
from aiohttp import ClientSession, ClientTimeout

from bench.run import BIN, ENV, ROOT, databases, free_port, seed, serve
from services.booking.config import BookingSettings
from services.common.changes import conninfo
from services.common.config import DEFAULT_JWT_SECRET
from services.common.service import boot
from services.common.tokens import issue_token

CONSOLES = int(os.environ.get("BENCH_PUSH_CONSOLES", 50))
BOOKINGS = int(os.environ.get("BENCH_PUSH_BOOKINGS", 100))
GAP_SECONDS = 0.2
FILLED = 20  # slots filled to their last place, for heard_*


class Consoles:
    """``CONSOLES`` event-stream clients in one asyncio loop (a thread of its own); for
    each slot, when each console first saw it booked."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.seen: dict[int, list[float]] = {}
        self.booked: list[int] = []  # the slots booked so far, in order
        self.ready = threading.Event()
        self._opened = 0
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._task = asyncio.run_coroutine_threadsafe(self._all(), self._loop)

    async def _all(self) -> None:
        self._stopping = asyncio.Event()
        async with ClientSession(timeout=ClientTimeout(total=None, sock_read=None)) as http:
            tasks = [asyncio.create_task(self._one(http)) for _ in range(CONSOLES)]
            await self._stopping.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, http: ClientSession) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        async with http.get(self.url, headers=headers) as response:
            response.raise_for_status()
            first, known = True, set()
            async for raw in response.content:
                if not raw.startswith(b"data: "):
                    continue
                now = time.monotonic()
                if first:
                    first = False
                    self._opened += 1
                    if self._opened == CONSOLES:
                        self.ready.set()
                # Only the slots booked so far and not yet seen here are looked for, by
                # their place in the text: parsing 50 copies of a 1,600-slot answer per
                # change would make this client the slowest part of what it measures.
                for slot_id in [s for s in self.booked if s not in known]:
                    at = raw.find(b"[%d," % slot_id)
                    if at < 0:
                        continue
                    row = json.loads(raw[at:raw.index(b"]", at) + 1])
                    if row[3] >= 1:
                        known.add(slot_id)
                        self.seen.setdefault(slot_id, []).append(now)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        with contextlib.suppress(Exception):
            self._task.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)


def listen_for(url: str, heard: dict[int, float], stop: threading.Event) -> None:
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        connection.execute("LISTEN booking_slots")
        while not stop.is_set():
            for note in connection.notifies(timeout=0.5):
                payload = json.loads(note.payload)
                heard.setdefault(payload["id"], time.monotonic())


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


def main() -> None:
    token = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant"], ttl_seconds=3600)
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        stream_port, booking_port = free_port(), free_port()
        env = {**ENV, "BOOKING_DATABASE_URL": db["booking"], "VAR_DIR": scratch,
               "STREAM_PORT": str(stream_port)}
        rt = boot(BookingSettings.from_env(environ=env), "services.booking:migrations")
        spread, _hot, day = seed(rt)
        rt.db.dispose()
        booking = serve("services.booking.app:create_app()", booking_port, env)
        stream = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:services.booking.stream_gunicorn_conf",
             "services.booking.stream:create_app()"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stop = threading.Event()
        heard: dict[int, float] = {}
        try:
            base = f"http://127.0.0.1:{booking_port}"
            stream_base = f"http://127.0.0.1:{stream_port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{stream_base}/readyz", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            targets = spread[::max(1, len(spread) // BOOKINGS)][:BOOKINGS]
            others = [s for s in spread if s not in set(targets)][-FILLED:]
            consoles = Consoles(f"{stream_base}/api/v1/stream/counts?department_id=1&date={day}"
                                f"&days=1", token)
            if not consoles.ready.wait(60):
                raise RuntimeError("the consoles did not all subscribe")
            threading.Thread(target=listen_for, args=(db["booking"], heard, stop),
                             daemon=True).start()
            time.sleep(1.0)
            sent: dict[int, float] = {}
            answered: dict[int, float] = {}
            with requests.Session() as http:
                for n, slot_id in enumerate(targets):
                    consoles.booked.append(slot_id)
                    sent[slot_id] = time.monotonic()
                    answer = http.post(f"{base}/api/v1/appointments", timeout=30, json={
                        "slot_id": slot_id, "channel": "chat",
                        "patient": {"name": "推送", "phone": f"1350{n:07d}"}},
                        headers={"Authorization": f"Bearer {token}"})
                    answered[slot_id] = time.monotonic()
                    if answer.status_code != 201:
                        raise RuntimeError(f"booking answered {answer.status_code}")
                    time.sleep(GAP_SECONDS)
                # The last place of each of a few other slots: the booking that fills a
                # slot notifies (the trigger tells only a slot shutting or opening).
                for n, slot_id in enumerate(others):
                    for seat in range(5):
                        if seat == 4:
                            sent[slot_id] = time.monotonic()
                        filled = http.post(f"{base}/api/v1/appointments", timeout=30, json={
                            "slot_id": slot_id, "channel": "chat",
                            "patient": {"name": "填满", "phone": f"1351{n:03d}{seat:04d}"}},
                            headers={"Authorization": f"Bearer {token}"})
                        if filled.status_code != 201:
                            raise RuntimeError(f"booking answered {filled.status_code}")
                    time.sleep(GAP_SECONDS)
            time.sleep(3.0)
            every, each, missing = [], [], 0
            for slot_id in targets:
                times = consoles.seen.get(slot_id, [])
                missing += CONSOLES - len(times)
                lags = [max(0.0, t - answered[slot_id]) * 1000 for t in times]
                each += lags
                if len(times) == CONSOLES:
                    every.append(max(lags))
            heard_ms = [(heard[s] - sent[s]) * 1000 for s in others if s in heard]
            if os.environ.get("BENCH_PUSH_DEBUG"):
                print(sorted(((round(v), i) for i, v in enumerate(every)), reverse=True)[:8])
            consoles.stop()
            print(f"bench: push_p99_ms={p99(every):.1f} push_p50_ms="
                  f"{statistics.median(every) if every else float('nan'):.1f} "
                  f"push_each_p99_ms={p99(each):.1f} push_consoles={CONSOLES} "
                  f"push_bookings={len(targets)} push_missing={missing} "
                  f"heard_p50_ms={statistics.median(heard_ms) if heard_ms else float('nan'):.1f} "
                  f"heard_p99_ms={p99(heard_ms):.1f}", flush=True)
        finally:
            stop.set()
            for process in (booking, stream):
                process.terminate()
            for process in (booking, stream):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    main()
