"""The .ics attached to emails: an invite, its update, and its cancellation (same UID)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText


@dataclass(frozen=True)
class Party:
    """An ORGANIZER or ATTENDEE (RFC 5546): an address and the name shown with it."""

    email: str
    name: str


def uid(appointment_id: int, installation: str) -> str:
    """One appointment's UID in every invite, update and cancellation, and no other
    installation's: their appointment 12 is another event."""
    return f"appointment-{appointment_id}.{installation}@clinic"


def _party(who: Party, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{who.email}")
    address.params["cn"] = vText(who.name or who.email)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def ics(appointment_id: int, start: datetime, end: datetime, summary: str, location: str,
        description: str, *, sequence: int, organizer: Party, attendee: Party,
        installation: str, cancel: bool = False, now: datetime) -> str:
    """``METHOD:REQUEST`` (new or moved) or ``METHOD:CANCEL`` for one appointment, with
    the ORGANIZER and ATTENDEE both methods require (RFC 5546 §3.2.2, §3.2.5)."""
    calendar = Calendar()
    calendar.add("prodid", "-//clinic//appointments//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(appointment_id, installation))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("organizer", _party(organizer))
    event.add("attendee", _party(attendee, role="REQ-PARTICIPANT",
                                 partstat="NEEDS-ACTION", rsvp="FALSE"))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
