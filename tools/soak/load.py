"""The soak's load: consultants booking, holding, cancelling and rescheduling, a race for
a slot's last place every 15–30 s, follow-up enquiries and schedule's extra sessions.

Every call that changes something carries an Idempotency-Key; on no answer (a killed web
process, a reset connection) or a 503 the consultant sends it again with the same key
after the Retry-After, as the console does. Every attempt and its answer is written to
the history. A booking is cancelled or rescheduled (once, never both) only after its
confirmation reached the gateway, so each change's message can be counted on its own.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import requests

from .clinic import Clinic
from .history import History

RETRY_FOR = 180.0  # a consultant keeps retrying a request this long
CALL_TIMEOUT = 10.0
RETRYABLE = {0, 502, 503, 504}
BOOKING_KINDS = ("book", "hold_book", "race")


@dataclass
class Booked:
    key: str
    appointment: int
    code: str
    answered: float
    changed: bool = False


class Consultant:
    """One member of staff's HTTP session (Idempotency-Keys are kept per member)."""

    def __init__(self, clinic: Clinic, username: str, role: str = "consultant") -> None:
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {clinic.token(username, role)}"


class Load:
    def __init__(self, clinic: Clinic, history: History, slots: list[int], experts: list[int],
                 extra_days: tuple[date, int], rate: float = 7.0, consultants: int = 12,
                 seed: int | None = None) -> None:
        self.clinic, self.history = clinic, history
        self.rng = random.Random(seed)
        self.slots = list(slots)
        self.rng.shuffle(self.slots)
        self.experts = experts
        self.extra_days = extra_days
        self.rate, self.consultants = rate, consultants
        self.lock = threading.Lock()
        self.cursor = 0  # bookings so far on self.slots, four to a slot
        self.booked: list[Booked] = []
        self.phones = itertools.count(1)
        self.run_tag = self.rng.randrange(10**4)
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    # --- running ------------------------------------------------------------------------

    def start(self) -> None:
        loops: list[Callable[[], None]] = [
            *(lambda n=n: self._consultant(n) for n in range(self.consultants)),
            self._race, self._enquiries, self._schedule]
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        for thread in self.threads:
            thread.start()

    def finish(self, timeout: float = RETRY_FOR + 20) -> None:
        """Stop starting new requests; wait for those being retried."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=timeout)

    # --- one call, retried as the console does ------------------------------------------

    def call(self, who: Consultant, kind: str, method: str, url: str,
             body: dict[str, Any] | None, key: str | None, **note: Any) -> tuple[int, Any]:
        deadline = time.monotonic() + RETRY_FOR
        for attempt in itertools.count(1):
            sent = self.history.now()
            retry_after, code, data = None, None, None
            try:
                response = who.http.request(method, url, json=body, timeout=CALL_TIMEOUT,
                                            headers={"Idempotency-Key": key} if key else {})
                status, retry_after = response.status_code, response.headers.get("Retry-After")
                if response.headers.get("Content-Type", "").startswith(
                        ("application/json", "application/problem+json")):
                    data = response.json()
                    if status >= 400 and isinstance(data, dict):  # a refusal's name
                        code = data.get("code")
            except requests.RequestException as error:
                status, code = 0, type(error).__name__
            self.history.write("request", sent=sent, kind=kind, key=key, attempt=attempt,
                               status=status, code=code, retry_after=retry_after, **note)
            if status not in RETRYABLE or time.monotonic() > deadline:
                return status, data
            time.sleep(min(float(retry_after or 0.5), 5.0))
        raise AssertionError("unreachable")

    def _url(self, service: str, path: str) -> str:
        return f"{self.clinic.urls[service]}/api/v1{path}"

    def _patient(self) -> dict[str, Any]:
        n = next(self.phones)
        return {"name": "压测患者", "phone": f"139{self.run_tag:04d}{n:04d}", "sms_consent": True}

    def _next_slot(self) -> int:
        with self.lock:
            slot = self.slots[(self.cursor // 4) % len(self.slots)]
            self.cursor += 1
            return slot

    def _remember(self, key: str, data: Any) -> None:
        with self.lock:
            self.booked.append(Booked(key, data["id"], data["code"], time.monotonic()))

    # --- what consultants do -------------------------------------------------------------

    def book(self, who: Consultant, kind: str = "book", slot: int | None = None) -> int:
        key, slot = str(uuid.uuid4()), slot or self._next_slot()
        status, data = self.call(who, kind, "POST", self._url("booking", "/appointments"),
                                 {"slot_id": slot, "channel": "phone",
                                  "patient": self._patient()}, key, slot=slot)
        if status == 201:
            self._remember(key, data)
            self.history.write("booked", key=key, kind=kind, appointment=data["id"], slot=slot)
        return status

    def hold_then_book(self, who: Consultant) -> int:
        slot = self._next_slot()
        status, hold = self.call(who, "hold", "POST", self._url("booking", "/holds"),
                                 {"slot_id": slot}, str(uuid.uuid4()), slot=slot)
        if status != 201:
            return status
        key = str(uuid.uuid4())
        status, data = self.call(who, "hold_book", "POST", self._url("booking", "/appointments"),
                                 {"hold_id": hold["id"], "channel": "chat",
                                  "patient": self._patient()}, key, slot=slot)
        if status == 201:
            self._remember(key, data)
            self.history.write("booked", key=key, kind="hold_book", appointment=data["id"],
                               slot=slot)
        return status

    def change(self, who: Consultant) -> None:
        """Cancel or reschedule a booking whose confirmation the gateway has."""
        target = self._confirmed()
        if target is None:
            self.book(who)
            return
        key = str(uuid.uuid4())
        if self.rng.random() < 0.5:
            reason = self.rng.choice(["patient", "hospital"])  # hospital: a follow-up task
            self.call(who, "cancel", "POST", self._url(
                "booking", f"/appointments/{target.appointment}/cancel"),
                {"reason": reason}, key, appointment=target.appointment, reason=reason)
        else:
            slot = self._next_slot()
            self.call(who, "reschedule", "POST", self._url(
                "booking", f"/appointments/{target.appointment}/reschedule"),
                {"slot_id": slot}, key, appointment=target.appointment, slot=slot)

    def _confirmed(self) -> Booked | None:
        with self.lock:
            candidates = [b for b in self.booked[-400:] if not b.changed
                          and time.monotonic() - b.answered > 3]
        self.rng.shuffle(candidates)
        for booked in candidates[:20]:
            if self.clinic.gateway.first_taken(booked.code) is not None:
                with self.lock:
                    if booked.changed:
                        continue
                    booked.changed = True
                return booked
        return None

    # --- the loops -----------------------------------------------------------------------

    def _paced(self, interval: float, step: Callable[[], None]) -> None:
        next_at = time.monotonic() + self.rng.uniform(0, interval)
        while not self.stop.is_set():
            wait = next_at - time.monotonic()
            if wait > 0 and self.stop.wait(wait):
                return
            step()
            next_at = max(next_at + interval, time.monotonic() - interval)

    def _consultant(self, n: int) -> None:
        who = Consultant(self.clinic, f"soak-consultant-{n}")
        # three in four actions book (one in three of those through a hold), one changes
        interval = self.consultants / (self.rate / 0.75)

        def step() -> None:
            roll = self.rng.random()
            if roll < 0.5:
                self.book(who)
            elif roll < 0.75:
                self.hold_then_book(who)
            else:
                self.change(who)

        self._paced(interval, step)

    def _race(self) -> None:
        """Every 15–30 s, six consultants at once for a slot's last place."""
        racers = [Consultant(self.clinic, f"soak-racer-{n}") for n in range(6)]
        while not self.stop.wait(self.rng.uniform(15, 30)):
            with self.lock:  # a slot the consultants filled to four (or moved some out of)
                slot = self.slots[max(self.cursor // 4 - 2, 0) % len(self.slots)]
            start = threading.Barrier(len(racers))
            threads = [threading.Thread(target=self._racer, args=(who, start, slot),
                                        daemon=True) for who in racers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    def _racer(self, who: Consultant, start: threading.Barrier, slot: int) -> None:
        start.wait()
        self.book(who, "race", slot)

    def _enquiries(self) -> None:
        """Follow-up's desk records an enquiry now and then (its worker opens tasks too:
        the hospital's cancellations)."""
        who = Consultant(self.clinic, "soak-followup")

        def step() -> None:
            patient = self._patient()
            self.call(who, "enquiry", "POST", self._url("followup", "/enquiries"),
                      {"name": patient["name"], "phone": patient["phone"], "channel": "phone",
                       "call_consent": True, "complaint": "头痛"}, str(uuid.uuid4()))

        self._paced(3.0, step)

    def _schedule(self) -> None:
        """An admin adds an evening session now and then: schedule publishes its slots,
        booking's worker takes them in."""
        admin = Consultant(self.clinic, "soak-admin", "admin")
        first, days = self.extra_days
        pairs = [(e, first + timedelta(days=d)) for d in range(days) for e in self.experts]
        self.rng.shuffle(pairs)
        queue = iter(pairs)

        def step() -> None:
            pair = next(queue, None)
            if pair is None:
                return
            expert, day = pair
            status, data = self.call(
                admin, "extra_session", "POST",
                self._url("schedule", f"/experts/{expert}/extra-sessions"),
                {"date": day.isoformat(), "start": "18:00", "end": "19:00",
                 "slot_minutes": 15, "capacity_per_slot": 5, "reason": "加诊"}, None)
            if status == 201:  # booking's worker must take these slots in
                self.history.write("session_added", slots=[s["slot_id"] for s in data["slots"]])
            self.call(admin, "experts", "GET", self._url("schedule", "/experts"), None, None)

        self._paced(10.0, step)
