"""deploy/: the Prometheus configuration, alert rules and Grafana dashboard stay true to the
metrics the code serves and to docker-compose.yml (SPEC §14). promtool checks the files and
runs the rules' unit tests when it is installed (Debian's ``prometheus`` package)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.common import metrics

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = ("schedule", "booking", "notify", "followup")
#: The SPEC's names, and the two this service adds for its alerts.
SPEC_NAMES = {
    "http_requests_total", "http_request_duration_seconds", "clinic_bookings_total",
    "clinic_booking_refusals_total", "clinic_holds_active", "clinic_outbox_pending",
    "clinic_outbox_oldest_pending_seconds", "clinic_events_handled_total",
    "clinic_dead_letters", "clinic_messages_total", "clinic_followup_tasks_open",
    "clinic_followup_calls_total"}
ADDED = {"clinic_consumer_heartbeat_timestamp_seconds", "clinic_sign_ins_throttled_total"}


def served_names() -> set[str]:
    """Every series name the code serves: its counters, histograms and gauges, and the
    gauges read at scrape time (named in string literals where they are measured)."""
    names = set()
    for collector in (metrics.HTTP_REQUESTS, metrics.HTTP_DURATION, metrics.BOOKINGS,
                      metrics.BOOKING_REFUSALS, metrics.EVENTS_HANDLED, metrics.MESSAGES,
                      metrics.FOLLOWUP_CALLS, metrics.SIGN_INS_THROTTLED,
                      metrics.CONSUMER_HEARTBEAT):
        for family in collector.describe():
            suffix = "_total" if family.type == "counter" else ""
            names.add(family.name + suffix)
    sources = [ROOT / "services/common/metrics.py"] + [ROOT / f"services/{s}/worker.py"
                                                       for s in SERVICES]
    for source in sources:
        names |= set(re.findall(r'"(clinic_[a-z_]+)"', source.read_text()))
    return names


def expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text())
    found = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((DEPLOY / "grafana/dashboards/clinic.json").read_text())
    return found + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def test_the_code_serves_every_name_the_spec_lists() -> None:
    assert served_names() >= SPEC_NAMES | ADDED


def test_alerts_and_dashboard_use_only_series_the_code_serves() -> None:
    served = served_names() | {"up"}
    for expr in expressions():
        used = set(re.findall(r"\b((?:clinic|http)_[a-z_]+|up)\b(?=\s*[{\[)])", expr))
        used = {re.sub(r"_(bucket|count|sum)$", "", name) for name in used}
        assert used <= served, (expr, used - served)


def test_the_dashboard_shows_what_the_issue_asks_for() -> None:
    dashboard = json.loads((DEPLOY / "grafana/dashboards/clinic.json").read_text())
    exprs = {p["title"]: " ".join(t["expr"] for t in p["targets"]) for p in dashboard["panels"]}
    wanted = {"clinic_bookings_total": "channel", "clinic_booking_refusals_total": "code",
              "clinic_outbox_oldest_pending_seconds": "service",
              "clinic_messages_total": "status", "clinic_followup_tasks_open": "kind"}
    for name, by in wanted.items():
        assert any(name in e and by in e for e in exprs.values()), name
    quantiles = " ".join(exprs.values())
    assert "histogram_quantile(0.5," in quantiles and "histogram_quantile(0.99," in quantiles
    provisioned = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
                                 .read_text())["datasources"][0]
    assert all(p["datasource"]["uid"] == provisioned["uid"] for p in dashboard["panels"])


def test_prometheus_scrapes_every_process_of_compose_on_its_metrics_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    targets = {target for job in config["scrape_configs"] for static in job["static_configs"]
               for target in static["targets"]}
    expected = set()
    for service in SERVICES:
        web = COMPOSE["services"][f"{service}-web"]["environment"][f"{service.upper()}_PORT"]
        worker = COMPOSE["services"][f"{service}-worker"]["environment"]
        expected |= {f"{service}-web:{web}", f"{service}-worker:{worker['WORKER_METRICS_PORT']}"}
        assert worker[f"{service.upper()}_HOST"] == "0.0.0.0", "reachable on the network"
    assert targets == expected


def test_the_observability_profile_mounts_what_deploy_holds() -> None:
    for name in ("prometheus", "grafana"):
        service = COMPOSE["services"][name]
        assert service["profiles"] == ["observability"]
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
    mounts = COMPOSE["services"]["grafana"]["volumes"]
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/clinic.yml")
                              .read_text())["providers"][0]
    assert any(m.split(":")[1] == provider["options"]["path"] for m in mounts)


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed "
                    "(apt-get install prometheus)")
@pytest.mark.parametrize("check", [["check", "config", "prometheus.yml"],
                                   ["check", "rules", "alerts.yml"],
                                   ["test", "rules", "alerts_test.yml"]])
def test_promtool_accepts_the_configuration_and_the_rules_fire_as_written(
        check: list[str]) -> None:
    done = subprocess.run([PROMTOOL or "promtool", *check], cwd=DEPLOY / "prometheus",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
