"""``/metrics`` in one process: who may read it, and labels that carry no id (SPEC §14)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.common import metrics
from services.common.config import DEFAULT_ALLOW_FROM, Settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.parametrize("address, answered", [
    ("127.0.0.1", True), ("::1", True), ("10.1.2.3", True), ("172.20.0.5", True),
    ("192.168.1.9", True), ("::ffff:127.0.0.1", True), ("fd00::7", True),
    ("8.8.8.8", False), ("172.32.0.1", False), ("2001:db8::1", False), ("", False),
    (None, False), ("not-an-address", False),
])
def test_metrics_answer_loopback_and_private_ranges_only_by_default(address: str | None,
                                                                   answered: bool) -> None:
    assert metrics.allowed(address, metrics.networks(DEFAULT_ALLOW_FROM)) is answered


def test_a_web_scrape_from_an_address_not_allowed_is_a_404(make_app: Callable[..., Any]) -> None:
    app = make_app("booking")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert refused.status_code == 404
    assert "http_requests" not in refused.get_data(as_text=True)


def test_metrics_allow_from_names_who_may_scrape(make_app: Callable[..., Any]) -> None:
    app = make_app("notify", metrics_allow_from="203.0.113.0/24")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_a_worker_scrape_from_an_address_not_allowed_is_a_404() -> None:
    app = metrics.metrics_app(metrics.networks("127.0.0.0/8"), [])
    answers: list[str] = []

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        answers.append(status)

    body = b"".join(app({"PATH_INFO": "/metrics", "REMOTE_ADDR": "198.51.100.1"}, start))
    assert answers == ["404 Not Found"] and b"clinic" not in body
    body = b"".join(app({"PATH_INFO": "/metrics", "REMOTE_ADDR": "127.0.0.1"}, start))
    assert answers[-1] == "200 OK" and b"clinic_events_handled" in body
    b"".join(app({"PATH_INFO": "/other", "REMOTE_ADDR": "127.0.0.1"}, start))
    assert answers[-1] == "404 Not Found"


def test_requests_are_labelled_by_their_url_rule_never_their_path(
        make_app: Callable[..., Any], auth_header: Callable[..., dict[str, str]]) -> None:
    app = make_app("booking")
    client = app.test_client()
    client.get("/api/v1/appointments/987654", headers=auth_header("frontdesk"))
    client.get("/no/such/page/13800138000")
    text = client.get("/metrics").get_data(as_text=True)
    routes = {dict(labels)["route"] for (name, labels) in samples(text)
              if name == "http_requests_total" and dict(labels).get("service") == "booking"}
    assert "/api/v1/appointments/<int:appointment_id>" in routes
    assert "unmatched" in routes
    assert "987654" not in text and "13800138000" not in text


def test_the_worker_metrics_port_follows_the_web_port_by_default() -> None:
    from services.booking.config import BookingSettings
    from services.followup.config import FollowupSettings
    from services.notify.config import NotifySettings
    from services.schedule.config import ScheduleSettings

    ports = [cls.from_env({}).worker_metrics_port
             for cls in (ScheduleSettings, BookingSettings, NotifySettings, FollowupSettings)]
    assert ports == [9181, 9182, 9183, 9184]
    assert BookingSettings.from_env({"BOOKING_WORKER_METRICS_PORT": "9999"}
                                    ).worker_metrics_port == 9999
    assert Settings.from_env({"WORKER_METRICS_PORT": "-1"}).worker_metrics_port == -1


def test_gunicorn_starts_each_service_on_an_empty_metrics_folder_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import gunicorn_defaults

    monkeypatch.setenv("BOOKING_METRICS_DIR", str(tmp_path / "metrics"))
    gunicorn_defaults.bind_for("BOOKING", 8002)
    folder = tmp_path / "metrics" / "booking"
    assert gunicorn_defaults._metrics_folder == folder
    stale = folder / "counter_123.db"  # an earlier run's counters
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, "unset after the test")
    gunicorn_defaults.on_starting(None)
    assert os.environ[metrics.MULTIPROC_ENV] == str(folder)
    assert folder.is_dir() and not stale.exists()


def test_a_metrics_folder_that_cannot_be_made_falls_back_to_a_temporary_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import gunicorn_defaults

    monkeypatch.setattr(gunicorn_defaults, "_metrics_folder", Path("/proc/no/metrics/booking"))
    monkeypatch.setenv(metrics.MULTIPROC_ENV, "unset after the test")
    gunicorn_defaults.on_starting(None)
    used = Path(os.environ[metrics.MULTIPROC_ENV])
    assert used.is_dir() and used.name.startswith("clinic-metrics-booking-")
    used.rmdir()


def test_only_a_refused_sign_in_counts_as_a_throttled_sign_in() -> None:
    """Another kind of throttle on its way out as a problem is not a throttled sign-in."""
    from services.common.refusals import Throttled
    from services.schedule.ops.sign_in import throttled

    def count() -> float:
        return metrics.SIGN_INS_THROTTLED._value.get()

    before = count()
    metrics.note_refusal(Settings(), Throttled("Too many exports; wait.", 30))
    assert count() == before
    throttled(30)
    assert count() == before + 1
