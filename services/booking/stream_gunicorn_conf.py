"""gunicorn settings for booking's stream process: one process, a thread per open console.

One process, so one hub reads each change once for every console; ``STREAM_THREADS``
threads (256), each a console's open stream, which mostly waits. Its own port
(``STREAM_PORT``, 8005) and metrics folder; the shared defaults otherwise.
"""

from services.booking.config import BookingSettings
from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("STREAM", 8005)
workers = 1
threads = BookingSettings.from_env().stream_threads
