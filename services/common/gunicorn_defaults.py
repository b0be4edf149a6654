"""gunicorn defaults shared by the three web processes; each overrides ``bind``.

Sized for a small machine: ``WEB_CONCURRENCY`` processes with ``WEB_THREADS``
threads each. The service's ``create_app`` migrates under a lock, so workers
may start together.
"""

import logging
import os
import signal

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "0") == "1" else None
# The path without its query string: searches carry phone digits (?phone=, ?q=).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn 27 opens a control socket at one fixed path by default; three services
# (or two test runs) on one machine would fight over it, and nothing here uses it.
control_socket_disable = True


def bind_for(service: str, default_port: int) -> str:
    host = os.environ.get(f"{service}_HOST", os.environ.get("HOST", "127.0.0.1"))
    port = os.environ.get(f"{service}_PORT", str(default_port))
    return f"{host}:{port}"


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
