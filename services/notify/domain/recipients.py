"""Phone numbers and addresses as staff and gateways write them, made comparable."""

from __future__ import annotations

from services.common import phones
from services.common.refusals import Invalid


class InvalidRecipient(Invalid):
    """No message can go to this phone or address; ``field`` names where it was given."""

    def __init__(self, message: str, field: str | None = "recipient") -> None:
        super().__init__(message=message, field=field)


def normalise_phone(raw: str, region: str) -> str:
    """E.164, the form messages are addressed to and opt-outs are kept under."""
    try:
        return phones.normalise(raw, region).e164
    except phones.InvalidPhone as exc:
        raise InvalidRecipient(str(exc)) from exc


def normalise_recipient(channel: str, raw: str, region: str) -> str:
    raw = raw.strip()
    if channel == "email":
        if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
            raise InvalidRecipient("This is not an email address.")
        return raw
    return normalise_phone(raw, region)


def reply_sender(raw: str, region: str) -> str:
    """The phone a patient's reply came from; a gateway naming no phone is refused whole
    (no field: the gateway, not a person, sent it)."""
    try:
        return normalise_phone(raw, region)
    except InvalidRecipient as exc:
        raise InvalidRecipient("The sender is not a phone number.", field=None) from exc
