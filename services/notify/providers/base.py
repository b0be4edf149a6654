"""The one interface every SMS and email provider has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

#: Whose fault a transient failure is, which decides who waits (``TransientError.kind``):
#: the provider is down (every message waits for it to come back), it asks everyone to
#: slow down (one shared pause), or only this message or number must wait (its own clock).
OUTAGE, THROTTLE, THIS_MESSAGE = "outage", "throttle", "message"


class TransientError(Exception):
    """Try again later: the provider is down, slow, or asks us to wait.

    ``retry_after``: seconds the provider asks us to wait at least (throttling), or None.
    ``in_doubt``: no answer came, so the provider may have the message; the next attempt
    asks it (``Lookup``) before sending again (a provider that does not de-duplicate).
    ``kind``: :data:`OUTAGE`, :data:`THROTTLE` or :data:`THIS_MESSAGE` (a per-number
    limit, a code we do not know): the sender's provider health counts only the first
    two (``domain/provider_health.py``)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None,
                 in_doubt: bool = False, kind: str = OUTAGE) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.in_doubt = in_doubt
        self.kind = kind


class PermanentError(Exception):
    """This message will never go through this provider (bad number, refused address)."""


@dataclass(frozen=True)
class TemplateCall:
    """A registered SMS template as a carrier platform takes it (SPEC §12): the vendor's
    template code, the values of its variables in the registered text's order, and the
    registered signature (签名). ``Outgoing.body`` is the same text rendered locally."""

    code: str
    params: tuple[tuple[str, str], ...]
    sign_name: str

    def named(self) -> dict[str, str]:
        """The variables by name (Alibaba Cloud's ``TemplateParam``)."""
        return dict(self.params)

    def values(self) -> list[str]:
        """The values in order (Tencent Cloud's ``TemplateParamSet``)."""
        return [value for _, value in self.params]


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over. ``ref`` is ours and unique: providers that accept a
    client reference get it, so a retry after a crash is not sent twice. ``template`` is
    set for an SMS made from a registered template (a template provider needs it)."""

    ref: str
    channel: str
    to: str
    body: str
    subject: str = ""
    ics: str | None = None
    ics_method: str = "REQUEST"
    template: TemplateCall | None = None


class Provider(Protocol):
    name: str

    def send(self, item: Outgoing) -> str:
        """Hand the message over; return the provider's id for it."""
        ...


@runtime_checkable
class Probe(Protocol):
    """A provider that can be asked whether it is back without sending an SMS."""

    def probe(self, sample: Outgoing | None) -> bool:
        """True when the provider answered; False when it cannot be asked this way (the
        next due message is then the probe). Raises ``TransientError`` while it is still
        down. ``sample``: the oldest waiting message (a vendor's free query names a phone)."""
        ...


@runtime_checkable
class Lookup(Protocol):
    """A provider that can say whether it already has a message, by our reference."""

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        """The provider's id for ``item`` (by our reference), or None if it has none.
        ``handed_at``: when a sender last began handing it over (a vendor that searches
        by phone and day, such as Alibaba Cloud's ``QuerySendDetails``, needs it)."""
        ...
