"""``Idempotency-Key`` on booking's creates (appointments, walk-ins, holds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from services.common.auth import current_principal
from services.common.idempotency import DOC, Keys

from ..config import runtime
from ..models import IdempotencyRecord
from .errors import refusals

__all__ = ["DOC", "once"]

KEYS = Keys(IdempotencyRecord)


def once(endpoint: str, data: Any, work: Callable[[Any], Any], status: int = 201,
         precheck: Callable[[Any], None] | None = None) -> Response:
    return KEYS.once(runtime(), current_principal().username, endpoint, data, work, status,
                     refusals, precheck)
