"""Settings read from the environment once, with the embedded defaults.

Every service reads the same common settings; a service adds its own fields by
subclassing :class:`Settings`. A variable prefixed with the service's name
(``BOOKING_DATABASE_URL``) wins over the plain one (``DATABASE_URL``), so one
shell can run all four services while a container sets just ``DATABASE_URL``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, ClassVar, Self

#: Loopback and the private ranges: Prometheus on the same host, pod or compose network.
DEFAULT_ALLOW_FROM = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
DEFAULT_JWT_SECRET = "dev-only-secret-change-me-in-production-000000"
PRODUCTION = "production"


class ConfigError(RuntimeError):
    """The settings cannot be used (for example demo secrets in production)."""


def _coerce(value: str, kind: Any) -> Any:
    if kind in (bool, "bool"):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    if kind in (Path, "Path"):
        return Path(value)
    if kind in (time, "time"):
        return time.fromisoformat(value)
    return value


@dataclasses.dataclass(frozen=True)
class Settings:
    """Settings every service has. Field names map to upper-case variables."""

    SERVICE: ClassVar[str] = "common"
    DEFAULT_PORT: ClassVar[int] = 8000
    #: Whether this service's named refusals count as ``clinic_booking_refusals_total``.
    COUNTS_BOOKING_REFUSALS: ClassVar[bool] = False

    env: str = "development"
    var_dir: Path = Path("var")
    database_url: str = ""
    #: Connections a process keeps open to PostgreSQL (twice as many more at a peak): the
    #: server's ``max_connections`` must cover every process of every service.
    db_pool_size: int = 10
    broker_url: str = "filesystem://"
    bus_dir: Path | None = None
    bus_queue_type: str = "classic"
    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_ttl_seconds: int = 12 * 3600
    log_level: str = "INFO"
    log_format: str = "text"
    log_file: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    schedule_url: str = "http://127.0.0.1:8001"
    booking_url: str = "http://127.0.0.1:8002"
    notify_url: str = "http://127.0.0.1:8003"
    followup_url: str = "http://127.0.0.1:8004"
    migrate_on_start: bool = True
    relay_poll_seconds: float = 0.1
    relay_batch_size: int = 200
    consumer_max_attempts: int = 5
    consumer_prefetch: int = 20
    consumer_batch: int = 1  # events handled in one transaction (see inbox.py)
    outbox_retention_days: int = 7
    retention_interval_seconds: float = 3600
    #: gunicorn: processes and threads of a web service, its access log, trusted proxies.
    web_concurrency: int = 2
    web_threads: int = 4
    web_access_log: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    #: The hospital's zone until schedule has told this service the hospital's own.
    default_time_zone: str = "Asia/Shanghai"
    #: Who may read ``/metrics`` (web and worker): addresses or CIDR ranges, comma-separated.
    metrics_allow_from: str = DEFAULT_ALLOW_FROM
    #: The worker's ``/metrics`` port; by default 9181-9184 in the order of the web ports
    #: (8001-8004); 0 takes any free port, a negative number serves none.
    worker_metrics_port: int | None = None
    #: Where the web processes' metrics files live (one folder per service, emptied when
    #: gunicorn starts); default ``var/metrics``.
    metrics_dir: Path | None = None
    #: OpenTelemetry: traces are exported (OTLP over HTTP) only when this is set.
    otel_exporter_otlp_endpoint: str = ""

    @property
    def rules(self) -> Any:
        """The service's rules for its desk (None where a service has no desk rules)."""
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Build settings from ``environ`` (default ``os.environ``) and explicit overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        prefix = cls.SERVICE.upper() + "_"
        for field in dataclasses.fields(cls):
            name = field.name.upper()
            raw = environ.get(prefix + name, environ.get(name))
            if raw is not None and raw != "":
                values[field.name] = _coerce(raw, field.type.replace(" | None", ""))
        values.update(overrides)
        settings = cls(**values)
        return settings.with_defaults()

    def with_defaults(self) -> Self:
        """Fill the values that derive from others (database file, bus folder, port)."""
        changes: dict[str, Any] = {}
        if not isinstance(self.var_dir, Path):
            changes["var_dir"] = Path(self.var_dir)
        if self.bus_dir is not None and not isinstance(self.bus_dir, Path):
            changes["bus_dir"] = Path(self.bus_dir)
        if self.metrics_dir is not None and not isinstance(self.metrics_dir, Path):
            changes["metrics_dir"] = Path(self.metrics_dir)
        if changes:
            return dataclasses.replace(self, **changes).with_defaults()
        if not self.database_url:
            changes["database_url"] = f"sqlite:///{self.var_dir / (self.SERVICE + '.db')}"
        if self.bus_dir is None:
            changes["bus_dir"] = self.var_dir / "bus"
        if not self.port:
            changes["port"] = self.DEFAULT_PORT
        if self.worker_metrics_port is None:  # 8001 → 9181, 8002 → 9182 …
            changes["worker_metrics_port"] = self.DEFAULT_PORT + 1180
        if self.metrics_dir is None:
            changes["metrics_dir"] = self.var_dir / "metrics"
        return dataclasses.replace(self, **changes) if changes else self

    def service_urls(self) -> tuple[str, ...]:
        """The public addresses of the clinic's services (their pages' origins)."""
        return (self.schedule_url, self.booking_url, self.notify_url, self.followup_url)

    @property
    def is_production(self) -> bool:
        return self.env == PRODUCTION

    def check_production(self) -> None:
        """Refuse to run production on the demo signing key or a short one."""
        if not self.is_production:
            return
        if self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < 32:
            raise ConfigError(
                "production needs JWT_SECRET set to a random value of at least 32 characters"
            )
