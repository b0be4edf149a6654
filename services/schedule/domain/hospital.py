"""The hospital's facts: what must hold before they are saved and told to the other services.

The value itself is every service's :class:`services.common.hospital.Hospital`; schedule,
which owns the facts, only adds the rules an admin's entry must meet.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.common.hospital import LANGUAGES, Hospital
from services.common.refusals import Invalid

__all__ = ["LANGUAGES", "Hospital", "check_hospital", "check_time_zone"]


def check_hospital(hospital: Hospital) -> Hospital:
    """Refuse facts no patient could use: no name, a zone that does not exist, a language
    the messages are not written in."""
    if not hospital.name.strip():
        raise Invalid(message="The hospital needs a name.", field="name")
    check_time_zone(hospital.time_zone)
    if hospital.language not in LANGUAGES:
        raise Invalid(message=f"Language must be one of {', '.join(LANGUAGES)}.",
                      field="language")
    return hospital


def check_time_zone(name: str) -> ZoneInfo:
    """The zone for an IANA name such as ``Asia/Shanghai``; refuse anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(message=f"Unknown time zone {name!r}.", field="time_zone") from exc
