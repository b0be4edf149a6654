"""The event envelope every message on the bus carries (SPEC §2, "Events")."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ENVELOPE_VERSION = 1


class InvalidEvent(ValueError):
    """A message body that is not a well-formed envelope."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """A fact that happened in one service, told to the others.

    ``type`` is also the routing key, for example ``booking.appointment.booked``.
    """

    type: str
    data: dict[str, Any]
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=_now)
    version: int = ENVELOPE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "source": self.source,
            "version": self.version,
            "data": self.data,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, raw: Any) -> Event:
        """Validate a decoded envelope; raise :class:`InvalidEvent` when it is not one."""
        if not isinstance(raw, dict):
            raise InvalidEvent("envelope must be a JSON object")
        try:
            event_id = str(uuid.UUID(str(raw["id"])))
            event_type = raw["type"]
            source = raw["source"]
            version = raw["version"]
            data = raw["data"]
            occurred_at = datetime.fromisoformat(str(raw["occurred_at"]).replace("Z", "+00:00"))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidEvent(f"malformed envelope: {exc!r}") from exc
        if not isinstance(event_type, str) or not event_type or not isinstance(source, str):
            raise InvalidEvent("type and source must be non-empty strings")
        if not isinstance(version, int) or not isinstance(data, dict):
            raise InvalidEvent("version must be an integer and data an object")
        if occurred_at.tzinfo is None:
            raise InvalidEvent("occurred_at must carry its UTC offset")
        return cls(type=event_type, data=data, source=source, id=event_id,
                   occurred_at=occurred_at.astimezone(UTC), version=version)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        try:
            return cls.from_dict(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise InvalidEvent(f"not JSON: {exc}") from exc
