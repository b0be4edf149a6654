"""The machinery every contract shares: to and from the envelope's ``data``."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Self

import dacite

from ..events import Event, InvalidEvent, parse_wire_time, wire_time

_CONFIG = dacite.Config(
    type_hooks={datetime: parse_wire_time, date: date.fromisoformat},
    check_types=True,
)


class ContractError(InvalidEvent):
    """An event whose data does not match its contract: it can never be handled."""


@dataclasses.dataclass(frozen=True)
class Contract:
    """Base of every event contract; subclasses set ``TYPE`` and ``VERSION``."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def to_data(self) -> dict[str, Any]:
        """The envelope's ``data``: times as UTC wire text, dates as ``YYYY-MM-DD``."""
        return plain(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        try:
            return dacite.from_dict(cls, dict(data), config=_CONFIG)
        except (dacite.DaciteError, ValueError, TypeError) as exc:
            raise ContractError(f"{cls.TYPE or cls.__name__}: {_what_broke(exc)}") from exc

    @classmethod
    def from_event(cls, event: Event) -> Self:
        if event.type != cls.TYPE:
            raise ContractError(f"{cls.__name__} reads {cls.TYPE}, not {event.type}")
        if event.version != cls.VERSION:
            raise ContractError(f"{cls.TYPE}: version {event.version} is not "
                                f"{cls.VERSION}, the one this service reads")
        return cls.from_data(event.data)


def _what_broke(exc: Exception) -> str:
    """Which field broke the contract, never its value: values may be a patient's data."""
    if isinstance(exc, dacite.MissingValueError):
        return f'missing field "{exc.field_path}"'
    if isinstance(exc, dacite.WrongTypeError):
        return f'field "{exc.field_path}" is not a {getattr(exc.field_type, "__name__", "value")}'
    path = getattr(exc, "field_path", None)
    return f'field "{path}" is malformed' if path else f"malformed data ({type(exc).__name__})"


#: Values that are JSON as they are (a str enum too): most of an event's fields.
_AS_THEY_ARE = (str, int, float, type(None))


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def plain(value: Any) -> Any:
    """JSON values only: times as UTC wire text, dates as ``YYYY-MM-DD``, dataclasses as
    objects. (Every event a booking tells passes here: the common cases come first.)"""
    if isinstance(value, _AS_THEY_ARE):
        return value
    if isinstance(value, datetime):
        return wire_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
