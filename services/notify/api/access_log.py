"""``/api/v1/access-log``: who exported a patient's messages, and when (admin)."""

from __future__ import annotations

from services.common.access_log_api import access_log_blueprint

from ..config import runtime
from ..models import AccessRecord, Hospital

blp = access_log_blueprint(
    "notify", AccessRecord, Hospital, default_zone=lambda: runtime().settings.default_time_zone,
    description="The append-only log of every export of a patient's messages.")
