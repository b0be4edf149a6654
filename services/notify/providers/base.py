"""The one interface every SMS and email provider has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class TransientError(Exception):
    """Try again later: the provider is down, slow, or asks us to wait.

    ``retry_after``: seconds the provider asks us to wait at least (throttling), or None.
    ``in_doubt``: no answer came, so the provider may have the message; the next attempt
    asks it (``Lookup``) before sending again (a provider that does not de-duplicate)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None,
                 in_doubt: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.in_doubt = in_doubt


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
class Lookup(Protocol):
    """A provider that can say whether it already has a message, by our reference."""

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        """The provider's id for ``item`` (by our reference), or None if it has none.
        ``handed_at``: when a sender last began handing it over (a vendor that searches
        by phone and day, such as Alibaba Cloud's ``QuerySendDetails``, needs it)."""
        ...
