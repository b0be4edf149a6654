"""Refusals: what the rules say no to, in one shape for every service (no HTTP here).

A domain, an operation or a read raises a :class:`Refusal` of one of five kinds; the web
layer maps each kind to a problem document's status once (``problems.STATUS_OF``), so a
rule never knows it is served over HTTP and no endpoint catches refusals one by one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class Kind(StrEnum):
    """Why something is refused, as a client must react to it."""

    NOT_FOUND = "not_found"     # no such thing (or not one this caller may know of)
    FORBIDDEN = "forbidden"     # it exists, but is not this caller's to touch
    CONFLICT = "conflict"       # the state of things says no now (full, already, too late)
    INVALID = "invalid"         # what was sent can never be accepted as it is
    THROTTLED = "throttled"     # too many tries; wait


class Refusal(Exception):
    """A request the rules refuse.

    ``code`` names the rule for pages and clients (``slot_full``); ``message`` says it
    in words; ``field`` names the input at fault (dotted for nested: ``patient.phone``);
    ``details`` adds members to the answer (``existing``, ``retry_after``). A refusal
    made without a code answers without one (``named`` is False): its words are all a
    client gets, as for a plain "No such task.".
    """

    kind: ClassVar[Kind] = Kind.CONFLICT
    default_code: ClassVar[str] = "refused"

    def __init__(self, code: str | None = None, message: str = "", *, field: str | None = None,
                 **details: Any) -> None:
        super().__init__(message or code or self.default_code)
        self.code = code or self.default_code
        self.named = code is not None
        self.message = message or str(self.code)
        self.field = field
        self.details = details


class NotFound(Refusal):
    kind = Kind.NOT_FOUND
    default_code = "not_found"

    def __init__(self, what: str, code: str | None = None, message: str | None = None) -> None:
        super().__init__(code, message or f"No such {what}.")
        self.what = what


class Forbidden(Refusal):
    kind = Kind.FORBIDDEN
    default_code = "forbidden"


class Refused(Refusal):
    """The state of things says no (the usual refusal of a rule)."""

    kind = Kind.CONFLICT


class Invalid(Refusal):
    """Input that can never be accepted as sent; ``field`` names it when one is at fault."""

    kind = Kind.INVALID
    default_code = "invalid"


class Throttled(Refusal):
    kind = Kind.THROTTLED
    default_code = "throttled"

    def __init__(self, message: str, retry_after: int, code: str | None = None) -> None:
        super().__init__(code, message, retry_after=retry_after)
        self.retry_after = retry_after
