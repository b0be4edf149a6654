"""The states of a published slot."""

from __future__ import annotations

from enum import StrEnum


class SlotStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SlotOrigin(StrEnum):
    TEMPLATE = "template"
    EXTRA = "extra"
