"""docker-compose.yml stays honest: everything it names exists in the code and its config.

There is no Docker engine on this machine, so this test is what keeps the file
true: services, commands, ports, variables, files and dependencies.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.services import SERVICES, service_parts

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_CONTAINERS = [f"{s}-{kind}" for s in SERVICES for kind in ("web", "worker")]
APP_CONTAINERS.append("booking-stream")  # the console's counts pushed (a web process too)
INFRA = ("rabbitmq", "postgres", "mailpit", "prometheus", "grafana")
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def known_variables(service: str) -> set[str]:
    """Every variable the service's code reads: its settings, gunicorn and the entrypoint."""
    _, settings_cls = service_parts(service)
    names = {f.name.upper() for f in dataclasses.fields(settings_cls)}
    names |= {f"{service.upper()}_{n}" for n in names}
    gunicorn = (ROOT / "services/common/gunicorn_defaults.py").read_text()
    names |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', gunicorn))
    names |= {f"{service.upper()}_{n}" for n in ("HOST", "PORT")}
    entrypoint = (ROOT / "deploy/entrypoint.sh").read_text()
    names |= set(re.findall(r"\$\{([A-Z_]+)", entrypoint))
    return names


def test_compose_has_the_infrastructure_and_every_process() -> None:
    assert set(COMPOSE["services"]) == set(INFRA) | set(APP_CONTAINERS)
    assert "management" in COMPOSE["services"]["rabbitmq"]["image"]


def test_only_the_web_ports_are_published_to_the_network() -> None:
    """The audit found PostgreSQL, RabbitMQ, its management UI and Mailpit (every patient
    email, no login) on all interfaces. Only the web processes face the network now."""
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            if name.endswith("-web") or name == "booking-stream":
                continue
            assert port.startswith("127.0.0.1:"), (name, port)
    assert "ports" not in COMPOSE["services"]["postgres"]
    assert COMPOSE["services"]["rabbitmq"]["ports"] == ["127.0.0.1:15672:15672"]
    assert COMPOSE["services"]["mailpit"]["profiles"] == ["dev"]
    assert not any("mailpit" in s.get("depends_on", {}) for s in COMPOSE["services"].values())


def test_every_secret_must_be_set_none_has_a_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("JWT_SECRET", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD",
                   "SMS_WEBHOOK_SECRET"):
        uses = re.findall(r"\$\{" + secret + r"(:[?-])", text)
        assert uses and set(uses) == {":?"}, (secret, uses)


def test_notifys_web_and_worker_both_have_the_gateway_and_its_secret() -> None:
    for name in ("notify-web", "notify-worker"):
        env = COMPOSE["services"][name]["environment"]
        assert env["SMS_PROVIDER"] == "http" and env["EMAIL_PROVIDER"] == "smtp"
        assert env["SMS_WEBHOOK_SECRET"].startswith("${SMS_WEBHOOK_SECRET:?")


@pytest.mark.parametrize("name", list(INFRA) + [f"{s}-web" for s in SERVICES])
def test_servers_have_health_checks(name: str) -> None:
    assert COMPOSE["services"][name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", APP_CONTAINERS)
def test_app_containers_wait_for_healthy_dependencies(name: str) -> None:
    depends = COMPOSE["services"][name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["rabbitmq"]["condition"] == "service_healthy"
    for dependency in depends:
        assert dependency in COMPOSE["services"]
        if name.endswith("-worker"):
            assert depends[name.replace("-worker", "-web")]["condition"] == "service_healthy"


def consumers_of(producer: str) -> set[str]:
    """Services whose handlers take an event type the producer emits."""
    found = set()
    for service in SERVICES:
        if service == producer:
            continue
        event_types = importlib.import_module(f"services.{service}.handlers").EVENT_TYPES
        if any(event_type.startswith(f"{producer}.") for event_type in event_types):
            found.add(service)
    return found


@pytest.mark.parametrize("producer", SERVICES)
def test_a_producers_worker_starts_after_its_consumers_declared_their_queues(
        producer: str) -> None:
    depends = COMPOSE["services"][f"{producer}-worker"]["depends_on"]
    for consumer in consumers_of(producer):
        assert depends[f"{consumer}-web"]["condition"] == "service_healthy"


def test_schedule_events_have_consumers() -> None:
    assert consumers_of("schedule") == {"booking", "notify", "followup"}
    assert consumers_of("booking") == {"notify", "followup"}


@pytest.mark.parametrize("name", APP_CONTAINERS)
def test_every_variable_is_read_by_the_code(name: str) -> None:
    service = name.split("-")[0]
    env = COMPOSE["services"][name]["environment"]
    assert env["SERVICE"] == service
    unknown = set(env) - known_variables(service)
    assert not unknown, f"{name} sets variables no code reads: {sorted(unknown)}"
    assert env["ENV"] == "production"
    assert env["DATABASE_URL"].endswith(f"/{service}")


def test_each_service_database_is_created() -> None:
    init = (ROOT / "deploy/postgres/init.sql").read_text()
    for service in SERVICES:
        assert f"CREATE DATABASE {service};" in init
    mount = COMPOSE["services"]["postgres"]["volumes"][1].split(":")[0]
    assert (ROOT / mount).resolve() == (ROOT / "deploy/postgres/init.sql").resolve()


@pytest.mark.parametrize("service", SERVICES)
def test_web_command_names_a_real_config_app_factory_and_port(service: str) -> None:
    container = COMPOSE["services"][f"{service}-web"]
    command = container["command"]
    assert command[0] == "gunicorn"
    config_module = command[command.index("-c") + 1].removeprefix("python:")
    config = importlib.import_module(config_module)
    module, factory = command[-1].removesuffix("()").split(":")
    assert callable(getattr(importlib.import_module(module), factory))
    _, settings_cls = service_parts(service)
    port = str(settings_cls.DEFAULT_PORT)
    assert container["environment"][f"{service.upper()}_PORT"] == port
    assert container["ports"] == [f"{port}:{port}"]
    assert f":{port}/readyz" in " ".join(container["healthcheck"]["test"])
    assert config.bind.endswith(f":{port}")


@pytest.mark.parametrize("service", SERVICES)
def test_worker_command_is_an_installed_script(service: str) -> None:
    command = COMPOSE["services"][f"{service}-worker"]["command"]
    assert command == [f"clinic-{service}", "worker"]
    module, func = SCRIPTS[command[0]].split(":")
    assert callable(getattr(importlib.import_module(module), func))


def test_image_is_built_from_the_dockerfile_with_the_entrypoint() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert COMPOSE["x-app"]["build"] == "."
    assert "deploy/entrypoint.sh" in dockerfile
    entrypoint = (ROOT / "deploy/entrypoint.sh").read_text()
    assert 'exec "$@"' in entrypoint and "migrate" in entrypoint


def test_procfile_runs_the_same_processes_as_compose() -> None:
    procfile = dict(line.split(": ", 1) for line in
                    (ROOT / "Procfile").read_text().splitlines() if line.strip())
    for service in SERVICES:
        web = shlex.split(procfile[service])
        assert web == COMPOSE["services"][f"{service}-web"]["command"]
        worker = shlex.split(procfile[f"{service}-worker"])
        assert worker == COMPOSE["services"][f"{service}-worker"]["command"]
    stream = shlex.split(procfile["booking-stream"])
    assert stream == COMPOSE["services"]["booking-stream"]["command"]
