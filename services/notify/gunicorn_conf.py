"""gunicorn settings for notify's web process (shared defaults, notify's port)."""

from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("NOTIFY", 8003)
