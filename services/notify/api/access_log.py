"""``/api/v1/access-log``: who exported a patient's messages, and when (admin)."""

from __future__ import annotations

from services.common.access_log_api import access_log_blueprint

from ..models import AccessRecord

blp = access_log_blueprint(
    "notify", AccessRecord,
    description="The append-only log of every export of a patient's messages.")
