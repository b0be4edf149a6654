"""A scripted day on the clinic as ``make run`` runs it, read back from the eight ``/metrics``.

Bookings on two channels, a refusal, a hold left open, an SMS the gateway refuses, a
message no consumer can read (a dead letter), a follow-up call and a throttled sign-in;
then every web process and every worker is scraped, each series the day should have
moved is checked against what happened, and no scrape holds a phone, a name or an
appointment's code (SPEC §14).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.common.bus import Bus, queue_name
from tests.e2e.conftest import ALWAYS
from tests.e2e.test_followup_desk import Desk, a_slot
from tests.e2e.test_make_run import wait_for
from tests.support.gateway import FakeGateway
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

SERVICES = ("schedule", "booking", "notify", "followup")
PATIENTS = {"A": ("欧阳锋", "13800138001"), "B": ("黄药师", "13800138002"),
            "C": ("洪七公", "13800138003")}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
    want = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and want <= have)


class Scrapes:
    """The eight endpoints: ``web:<service>`` and ``worker:<service>``."""

    def __init__(self, urls: dict[str, str], worker_ports: dict[str, int]) -> None:
        self.endpoints = {f"web:{s}": f"{urls[s]}/metrics" for s in SERVICES}
        self.endpoints |= {f"worker:{s}": f"http://127.0.0.1:{worker_ports[s]}/metrics"
                           for s in SERVICES}
        self.texts: dict[str, str] = {}

    def all(self) -> dict[str, Samples]:
        for name, url in self.endpoints.items():
            answer = requests.get(url, timeout=10)
            assert answer.status_code == 200, (name, answer.status_code)
            assert answer.headers["Content-Type"].startswith("text/plain"), name
            self.texts[name] = answer.text
        return {name: parse(text) for name, text in self.texts.items()}

    def one(self, name: str) -> Samples:
        text = requests.get(self.endpoints[name], timeout=10).text
        self.texts[name] = text
        return parse(text)


def book(desk: Desk, slot_id: int, channel: str, who: str) -> requests.Response:
    name, phone = PATIENTS[who]
    return desk("POST", "booking", "/appointments", json={
        "slot_id": slot_id, "channel": channel,
        "patient": {"name": name, "phone": phone, "sms_consent": True}})


def test_a_scripted_day_moves_every_series_and_no_scrape_holds_personal_data(
        start_clinic, tmp_path: Path) -> None:
    ports = {s: free_port() for s in SERVICES}
    worker_ports = {s: free_port() for s in SERVICES}
    with FakeGateway() as gateway:
        clinic = start_clinic(
            ports, SMS_PROVIDER="http", SMS_GATEWAY_URL=gateway.url,
            SMS_GATEWAY_STATUS_URL=gateway.status_url, SEND_RETRY_BASE_SECONDS="0.2",
            **ALWAYS, **{f"{s.upper()}_WORKER_METRICS_PORT": str(p)
                         for s, p in worker_ports.items()})
        clinic.wait_ready()
        scrapes = Scrapes(clinic.urls, worker_ports)
        assert wait_for(lambda: "clinic is running" in clinic.log())
        for service, port in worker_ports.items():  # make run prints the workers' addresses
            assert f"{service}-worker http://127.0.0.1:{port}/metrics" in clinic.log()
        assert wait_for(lambda: all(_answers(url) for url in scrapes.endpoints.values()))
        before = scrapes.all()
        li = Desk(clinic, "consultant")
        assert wait_for(lambda: _has_slot(li)), "the demo's slots reached booking"
        codes = play_the_day(clinic, li, gateway)
        after = wait_until_settled(scrapes, gateway)
        clinic.stop()
    check_series(before, after)
    for name, text in scrapes.texts.items():
        for patient, phone in PATIENTS.values():
            assert patient not in text and phone not in text, name
            assert phone[-8:] not in text, name
        for code in codes:
            assert code not in text, (name, code)
    assert "| killed" not in clinic.log() and "Traceback" not in clinic.log()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _has_slot(desk: Desk) -> bool:
    try:
        a_slot(desk, 3)
    except StopIteration:
        return False
    return True


def play_the_day(clinic, li: Desk, gateway: FakeGateway) -> list[str]:
    """What happens at the desk; returns the appointments' codes."""
    slot = a_slot(li, 3)
    first = book(li, slot["slot_id"], "wechat", "A")
    assert first.status_code == 201, first.text
    twice = book(li, slot["slot_id"], "phone", "A")  # the same patient, expert and day
    assert twice.status_code in (409, 422) and twice.json().get("code"), twice.text
    second = book(li, a_slot(li, 2)["slot_id"], "phone", "B")
    assert second.status_code == 201, second.text
    assert wait_for(lambda: len(gateway.accepted) == 2), "both confirmations were sent"
    gateway.refuse_with = 400  # the gateway refuses the next number: that SMS fails
    third = book(li, a_slot(li, 4)["slot_id"], "phone", "C")
    assert third.status_code == 201, third.text
    assert wait_for(lambda: len(gateway.requests) == 3)
    gateway.refuse_with = None
    hold = li("POST", "booking", "/holds", json={"slot_id": a_slot(li, 3)["slot_id"]})
    assert hold.status_code in (200, 201), hold.text  # left open: clinic_holds_active

    # the hospital cancels C's visit: followup opens a task; a consultant calls, no answer
    cancelled = li("POST", "booking", f"/appointments/{third.json()['id']}/cancel",
                   json={"reason": "hospital"})
    assert cancelled.status_code == 200, cancelled.text
    assert wait_for(lambda: _open_task(li, third.json()["id"]) is not None)
    task = _open_task(li, third.json()["id"])
    assert li("POST", "followup", f"/tasks/{task}/claim").status_code == 200
    called = li("POST", "followup", f"/tasks/{task}/calls", json={"outcome": "no_answer"})
    assert called.status_code == 201, called.text

    # a message notify's consumer cannot read: parked at once
    bus = Bus("filesystem://", bus_dir=clinic.var_dir / "bus")
    with bus.connection() as connection:
        connection.Producer().publish("{not json", exchange="", routing_key=queue_name("notify"),
                                      content_type="application/json", content_encoding="utf-8")

    # someone guesses a password: the sixth failure in a row is throttled
    statuses = [requests.post(f"{clinic.urls['schedule']}/api/v1/auth/token", timeout=10,
                              json={"username": "consultant", "password": "guess"}).status_code
                for _ in range(7)]
    assert 429 in statuses, statuses
    return [answer.json()["code"] for answer in (first, second, third)]


def _open_task(desk: Desk, appointment_id: int) -> int | None:
    tasks = desk("GET", "followup", "/tasks?kind=hospital_cancelled").json()
    return next((t["id"] for t in tasks if t["appointment_id"] == appointment_id), None)


def wait_until_settled(scrapes: Scrapes, gateway: FakeGateway) -> dict[str, Samples]:
    """Scrape until the workers have caught up: the cancellation SMS sent, the dead letter
    parked, both outboxes drained."""

    def caught_up() -> bool:
        notify = scrapes.one("worker:notify")
        return (value(notify, "clinic_dead_letters", service="notify") == 1
                and value(notify, "clinic_messages_total", kind="cancellation",
                          status="sent") == 1
                and value(scrapes.one("worker:booking"), "clinic_outbox_pending") == 0)

    assert wait_for(caught_up, timeout=60), scrapes.texts.get("worker:notify", "")[-3000:]
    return scrapes.all()


def check_series(before: dict[str, Samples], after: dict[str, Samples]) -> None:
    def moved(where: str, name: str, **labels: str) -> float:
        return value(after[where], name, **labels) - value(before[where], name, **labels)

    booking = "web:booking"
    assert moved(booking, "http_requests_total", route="/api/v1/appointments", method="POST",
                 status="201") == 3
    assert moved(booking, "http_request_duration_seconds_count",
                 route="/api/v1/appointments") == 4
    assert moved(booking, "clinic_bookings_total", channel="wechat") == 1
    assert moved(booking, "clinic_bookings_total", channel="phone") == 2
    assert moved(booking, "clinic_bookings_total") == 3, "the refused one is not counted"
    assert moved(booking, "clinic_booking_refusals_total") == 1
    assert moved("web:schedule", "clinic_sign_ins_throttled_total") >= 1
    assert moved("web:followup", "clinic_followup_calls_total", outcome="no_answer") == 1
    assert moved("web:followup", "http_requests_total",
                 route="/api/v1/tasks/<int:task_id>/calls", status="201") == 1
    assert value(after["worker:booking"], "clinic_holds_active") == 1
    assert moved("worker:followup", "clinic_followup_tasks_open", kind="hospital_cancelled") == 1
    assert value(after["worker:notify"], "clinic_dead_letters", service="notify") == 1
    assert value(after["worker:booking"], "clinic_dead_letters", service="booking") == 0
    for service in ("schedule", "booking"):
        worker = after[f"worker:{service}"]
        assert value(worker, "clinic_outbox_pending", service=service) == 0
        assert value(worker, "clinic_outbox_oldest_pending_seconds", service=service) == 0
    notify = "worker:notify"
    assert moved(notify, "clinic_events_handled_total", service="notify",
                 type="booking.appointment.booked") == 3
    assert moved("worker:followup", "clinic_events_handled_total", service="followup",
                 type="booking.appointment.cancelled") == 1
    assert moved(notify, "clinic_messages_total", channel="sms", kind="confirmation",
                 status="sent") == 2
    assert moved(notify, "clinic_messages_total", channel="sms", kind="confirmation",
                 status="failed") == 1
    for service in ("booking", "notify", "followup"):
        beat = value(after[f"worker:{service}"], "clinic_consumer_heartbeat_timestamp_seconds",
                     service=service)
        assert beat > value(before[f"worker:{service}"],
                            "clinic_consumer_heartbeat_timestamp_seconds", service=service)
    for where in after:
        routes = {dict(labels).get("route", "") for _, labels in after[where]}
        assert not [r for r in routes if re.search(r"/\d+(/|$)", r)], f"{where}: an id"
    assert "/api/v1/appointments/<int:appointment_id>/cancel" in {
        dict(labels).get("route") for _, labels in after[booking]}

