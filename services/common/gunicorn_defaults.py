"""gunicorn defaults shared by the four web processes; each sets ``bind`` with :func:`bind_for`.

Sized for a small machine: ``WEB_CONCURRENCY`` processes with ``WEB_THREADS``
threads each. The service's ``create_app`` migrates under a lock, so workers
may start together. Every value comes from :class:`~services.common.config.Settings`
(the environment is read in one place, with one set of names and defaults).
"""

import logging
import os
import shutil
import signal
import tempfile
from pathlib import Path

from services.common.config import Settings

_settings = Settings.from_env()

workers = _settings.web_concurrency
threads = _settings.web_threads
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = "-" if _settings.web_access_log else None
# The path without its query string: searches carry phone digits (?phone=, ?q=).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = _settings.log_level.lower()
forwarded_allow_ips = _settings.forwarded_allow_ips

# gunicorn 27 opens a control socket at one fixed path by default; four services
# (or two test runs) on one machine would fight over it, and nothing here uses it.
control_socket_disable = True

#: This service's folder of metrics files (set by ``bind_for``, which every service's
#: gunicorn settings call).
_metrics_folder: Path | None = None


def bind_for(service: str, default_port: int) -> str:
    """``host:port`` as the service's settings say (``BOOKING_PORT``, else ``PORT``…)."""
    own: type[Settings] = type(f"{service.title()}Bind", (Settings,),
                               {"SERVICE": service.lower(), "DEFAULT_PORT": default_port})
    settings = own.from_env()
    global _metrics_folder
    _metrics_folder = (settings.metrics_dir or Path("var/metrics")).resolve() / settings.SERVICE
    return f"{settings.host}:{settings.port}"


def on_starting(server: object) -> None:
    """prometheus-client's multi-process mode, set up for the operator: the service's own
    folder, emptied (counters of an earlier run would be added to this one's), named in
    ``PROMETHEUS_MULTIPROC_DIR`` before any web worker is forked and imports the client."""
    if _metrics_folder is None:
        return
    folder = _metrics_folder
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only image: metrics must not keep the service down
        folder = Path(tempfile.mkdtemp(prefix=f"clinic-metrics-{folder.name}-"))
        logging.getLogger("gunicorn.error").warning(
            "METRICS_DIR cannot be written (%s); metrics files in %s", exc.strerror, folder)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def child_exit(server: object, worker: object) -> None:
    """A web worker that ended: its live gauges stop counting (its counters stay summed)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_fork(server: object, worker: object) -> None:
    """Mask phones and emails in gunicorn's own log lines too (they bypass the root logger)."""
    from services.common.logging import RedactingFilter

    for name in ("gunicorn.error", "gunicorn.access"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(RedactingFilter())


def post_worker_init(worker: object) -> None:
    """Web workers leave Ctrl-C to their arbiter, which stops them with SIGQUIT.

    Ctrl-C at ``make run`` reaches every process of the group, and a worker that took
    SIGINT and then its arbiter's SIGQUIT ran gunicorn's exiting handler twice, one
    inside the other. Without this, one stop in five with Ctrl-C pressed twice waited
    for the arbiter's 10 s graceful timeout; with SIGINT ignored each worker gets one
    signal and exits once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
