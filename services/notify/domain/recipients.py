"""Phone numbers and addresses as staff and gateways write them, made comparable."""

from __future__ import annotations

from services.common import phones


class InvalidRecipient(ValueError):
    pass


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
