"""``/api/v1/access-log``: who saw or changed which patient's data, and when (admin)."""

from __future__ import annotations

from services.common.access_log_api import access_log_blueprint

from ..config import runtime
from ..models import AccessRecord, Hospital

blp = access_log_blueprint(
    "booking", AccessRecord, Hospital, default_zone=lambda: runtime().settings.default_time_zone,
    description="The append-only log of every full read and change of a patient's data.")
