"""Hospital facts: what must hold before they are saved and told to the other services."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("zh-CN", "en")


class InvalidHospital(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class HospitalFacts:
    """The facts patients read in their messages: name, where, how to get there, when."""

    name: str
    address: str
    directions: str
    phone: str
    time_zone: str
    language: str = "zh-CN"

    def validate(self) -> HospitalFacts:
        if not self.name.strip():
            raise InvalidHospital("name", "The hospital needs a name.")
        check_time_zone(self.time_zone)
        if self.language not in LANGUAGES:
            raise InvalidHospital("language", f"Language must be one of {', '.join(LANGUAGES)}.")
        return self

    def as_event_data(self) -> dict[str, str]:
        return asdict(self)


def check_time_zone(name: str) -> ZoneInfo:
    """The zone for an IANA name such as ``Asia/Shanghai``; refuse anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidHospital("time_zone", f"Unknown time zone {name!r}.") from exc
