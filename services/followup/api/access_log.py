"""``/api/v1/access-log``: who saw a patient's full phone on a call card, or exported
what followup holds on them, and when (admin)."""

from __future__ import annotations

from typing import Any

from services.common.access_log_api import access_log_blueprint

from ..models import AccessRecord


def _detail(row: Any) -> str:
    """Older rows named their task only in their own column."""
    return str(row.detail or (f"task {row.task_id}" if row.task_id else ""))


blp = access_log_blueprint(
    "followup", AccessRecord, describe=_detail,
    description="The append-only log of every call card that showed a full phone, and of "
                "exports.")
