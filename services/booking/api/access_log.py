"""``/api/v1/access-log``: who saw or changed which patient's data, and when (admin)."""

from __future__ import annotations

from services.common.access_log_api import access_log_blueprint

from ..models import AccessRecord

blp = access_log_blueprint(
    "booking", AccessRecord,
    description="The append-only log of every full read and change of a patient's data.")
