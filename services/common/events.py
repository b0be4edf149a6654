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


def wire_time(moment: datetime) -> str:
    """A moment as it travels on the bus and in the API's UTC fields: ISO 8601 ending in Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_wire_time(text: str) -> datetime:
    """The inverse of :func:`wire_time`; any offset is accepted and turned into UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} carries no UTC offset")
    return moment.astimezone(UTC)


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
            "occurred_at": wire_time(self.occurred_at),
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
            occurred_at = parse_wire_time(str(raw["occurred_at"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidEvent(f"malformed envelope: {exc!r}") from exc
        if not isinstance(event_type, str) or not event_type or not isinstance(source, str):
            raise InvalidEvent("type and source must be non-empty strings")
        if not isinstance(version, int) or not isinstance(data, dict):
            raise InvalidEvent("version must be an integer and data an object")
        return cls(type=event_type, data=data, source=source, id=event_id,
                   occurred_at=occurred_at, version=version)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        try:
            return cls.from_dict(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise InvalidEvent(f"not JSON: {exc}") from exc
