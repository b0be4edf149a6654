"""gunicorn settings for followup's web process (shared defaults, followup's port)."""

from services.common.gunicorn_defaults import *  # noqa: F403
from services.common.gunicorn_defaults import bind_for

bind = bind_for("FOLLOWUP", 8004)
