"""gunicorn settings for booking's web process (shared defaults, booking's port)."""

from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("BOOKING", 8002)
