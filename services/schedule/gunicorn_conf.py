"""gunicorn settings for schedule's web process (shared defaults, schedule's port)."""

from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("SCHEDULE", 8001)
