"""Appointment codes: short, easy to read aloud, hard to guess."""

from __future__ import annotations

import secrets

#: No 0/O, 1/I/L look-alikes: a code read over the phone is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
