"""gunicorn settings for booking's stream process: one process, a thread per open console.

One process, so one hub reads each change once for every console; ``STREAM_THREADS``
threads (256), each a console's open stream, which mostly waits. Its own port
(``STREAM_PORT``, 8005) and metrics folder; the shared defaults otherwise.

Told to stop (Ctrl-C, SIGTERM), the process ends its open streams at once: each holds a
thread for minutes, and the process would otherwise wait the whole graceful timeout
for them. The consoles reconnect (to the next process) and poll meanwhile.
"""

import signal
from typing import Any

from services.booking.config import BookingSettings
from services.common import gunicorn_defaults
from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("STREAM", 8005)
workers = 1
threads = BookingSettings.from_env().stream_threads


def _end_streams(worker: Any) -> None:
    hub = getattr(worker.wsgi, "extensions", {}).get("booking_push_hub")
    if hub is not None:
        hub.stop()


def worker_int(worker: Any) -> None:
    """SIGINT or SIGQUIT (the arbiter's quick stop): end the streams before exiting."""
    _end_streams(worker)


def post_worker_init(worker: Any) -> None:  # type: ignore[no-redef]
    """The shared set-up, and SIGTERM (a graceful stop) ends the streams too."""
    gunicorn_defaults.post_worker_init(worker)
    graceful = signal.getsignal(signal.SIGTERM)

    def term(signum: int, frame: Any) -> None:
        _end_streams(worker)
        if callable(graceful):
            graceful(signum, frame)

    signal.signal(signal.SIGTERM, term)
