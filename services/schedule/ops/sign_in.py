"""Throttled sign-in: five wrong passwords for an account, or from one address, and that
account or address waits (SPEC §11). Counted in the database, so every web process
sees the same counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..domain.staff import password_matches
from ..models import SignInFailure, StaffMember
from ..reads.staff import find_staff

ALLOWED_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def keys(username: str, address: str | None) -> list[str]:
    return [f"user:{username.casefold()}"[:120], f"addr:{address or 'unknown'}"[:120]]


def wait_seconds(session: Session, names: list[str], now: datetime) -> int:
    """How long the caller must wait before trying again (0: they may try now)."""
    waits = [int((row.locked_until - now).total_seconds()) + 1
             for row in (session.get(SignInFailure, name) for name in names)
             if row is not None and row.locked_until is not None and row.locked_until > now]
    return max(waits, default=0)


def record_failure(session: Session, names: list[str], now: datetime) -> None:
    for name in names:
        row = session.get(SignInFailure, name, with_for_update=True)
        if row is None:
            row = SignInFailure(key=name, failures=0, first_at=now)
            session.add(row)
        if now - row.first_at > WINDOW:
            row.failures, row.first_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= ALLOWED_FAILURES:
            row.locked_until = now + LOCK
    session.flush()


def record_success(session: Session, username: str) -> None:
    """The account's count starts again; the address's stays (one right password does not
    excuse a run of guesses at other accounts)."""
    row = session.get(SignInFailure, keys(username, None)[0])
    if row is not None:
        session.delete(row)


class Throttled(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"Too many failed sign-ins; try again in {seconds} seconds.")
        self.seconds = seconds


def attempt(session: Session, username: str, password: str, address: str | None,
            now: datetime) -> StaffMember | None:
    """The member these credentials sign in, or None (the failure counted, and committed
    with the caller's transaction); refused without even looking while the account or
    the address is waiting (:class:`Throttled`)."""
    names = keys(username, address)
    wait = wait_seconds(session, names, now)
    if wait:
        raise Throttled(wait)
    member = find_staff(session, username)
    stored = member.password_hash if member is not None and member.active else None
    if member is None or not password_matches(stored, password):
        record_failure(session, names, now)
        return None
    record_success(session, username)
    return member
