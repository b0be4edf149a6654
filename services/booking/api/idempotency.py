"""``Idempotency-Key`` on booking's creates (appointments, walk-ins, holds, the waitlist)."""

from __future__ import annotations

from services.common.idempotency import DOC, Keys

from ..models import IdempotencyRecord

__all__ = ["DOC", "once"]

KEYS = Keys(IdempotencyRecord)
#: ``once(endpoint, data, step, status=201, precheck=None, fresh_hospital=False)``: see
#: :meth:`services.common.idempotency.Keys.once`.
once = KEYS.once
