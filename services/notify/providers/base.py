"""The one interface every SMS and email provider has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class TransientError(Exception):
    """Try again later: the provider is down, slow, or asks us to wait."""


class PermanentError(Exception):
    """This message will never go through this provider (bad number, refused address)."""


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over. ``ref`` is ours and unique: providers that accept a
    client reference get it, so a retry after a crash is not sent twice."""

    ref: str
    channel: str
    to: str
    body: str
    subject: str = ""
    ics: str | None = None
    ics_method: str = "REQUEST"


class Provider(Protocol):
    name: str

    def send(self, item: Outgoing) -> str:
        """Hand the message over; return the provider's id for it."""
        ...


@runtime_checkable
class Lookup(Protocol):
    """A provider that can say whether it already has a message, by our reference."""

    def lookup(self, ref: str) -> str | None:
        """The provider's id for the message with this reference, or None if it has none."""
        ...
