"""Throttled sign-in (SPEC §11): one account's failures delay that account's next try;
an address is only limited by a much higher count. Counted in the database, so every
web process of schedule sees the same counts, and race-free:

- the account's row is locked (``SELECT … FOR UPDATE``; on SQLite every write
  transaction is serial) *before* its password is checked and until the outcome is
  written, so parallel tries for one account are checked one at a time, and once the
  fifth has failed the others are refused without a check;
- the address's count is taken first, in its own short transaction (the address row is
  never locked while a password is checked, so a call centre's colleagues do not queue
  behind each other), and given back when the password was right or never checked.

The rule itself (how long, after how many) is :mod:`..domain.sign_in`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common import metrics
from services.common.db import Database, insert_for
from services.common.refusals import Throttled
from services.common.runtime import Runtime

from ..domain.passwords import password_matches
from ..domain.sign_in import (
    account_delay,
    account_forgotten,
    address_blocked,
    address_window_over,
    retry_after,
)
from ..models import SignInFailure
from ..reads.staff import StaffView, find_staff, staff_view


def throttled(seconds: int) -> Throttled:
    """Refused before the password is checked: wait ``seconds`` (``Retry-After``)."""
    metrics.SIGN_INS_THROTTLED.inc()
    return Throttled(f"Too many failed sign-ins; try again in {seconds} seconds.", seconds)


def account_key(username: str) -> str:
    return f"user:{username.casefold()}"[:120]


def address_key(address: str | None) -> str:
    return f"addr:{address or 'unknown'}"[:120]


def _locked(session: Session, key: str, now: datetime) -> SignInFailure:
    """The key's row, made if missing, locked until the transaction ends."""
    insert = insert_for(session.get_bind().dialect.name)
    session.execute(insert(SignInFailure).values(key=key, failures=0, first_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.scalars(select(SignInFailure).where(SignInFailure.key == key)
                           .with_for_update()
                           .execution_options(populate_existing=True)).one()


def _take_address_try(db: Database, key: str, now: datetime, limit: int,
                      window: timedelta) -> None:
    """Count one more failure for the address ahead of the check (given back by
    :func:`_give_back` unless it fails), or refuse when the address has too many."""
    with db.transaction() as session:
        row = _locked(session, key, now)
        if address_window_over(row.first_at, now, window):
            row.failures, row.first_at, row.locked_until = 0, now, None
        if address_blocked(row.failures, limit):
            row.locked_until = row.first_at + window
            wait = retry_after(row.locked_until, now)
            if wait:
                raise throttled(wait)
        row.failures += 1
        row.last_at = now


def _give_back(session: Session, key: str) -> None:
    session.execute(update(SignInFailure)
                    .where(SignInFailure.key == key, SignInFailure.failures > 0)
                    .values(failures=SignInFailure.failures - 1))


def sign_in(rt: Runtime[Any], username: str, password: str,
            address: str | None) -> StaffView | None:
    """The member these credentials sign in, or None (the failure counted). While the
    account or the address must wait, :class:`Throttled` — even for the right password,
    which is then not even checked.

    Nobody is signed in yet, so this is no one's unit of work: it takes the database's
    transactions itself, the address's and the account's apart (see the module)."""
    db, now = rt.db, rt.now()
    address_failures = rt.settings.sign_in_address_failures
    address_window = timedelta(minutes=rt.settings.sign_in_address_minutes)
    at_address = address_key(address)
    _take_address_try(db, at_address, now, address_failures, address_window)
    try:
        with db.transaction() as session:
            account = _locked(session, account_key(username), now)
            if account_forgotten(account.last_at, now):
                account.failures, account.first_at, account.locked_until = 0, now, None
            wait = retry_after(account.locked_until, now)
            if wait:
                raise throttled(wait)
            member = find_staff(session, username)
            stored = member.password_hash if member is not None and member.active else None
            if member is None or not password_matches(stored, password,
                                                          rt.settings.password_hash_cost):
                account.failures += 1
                account.last_at = now
                delay = account_delay(account.failures)
                account.locked_until = now + delay if delay else None
                return None
            session.delete(account)  # a success: the account's count starts again
            _give_back(session, at_address)
            return staff_view(member)
    except Throttled:
        with db.transaction() as session:
            _give_back(session, at_address)
        raise


def forget_old(session: Session, now: datetime) -> int:
    """Counts nobody needs any more: accounts quiet for a day, addresses whose window
    ended a day ago (retention, run by the worker)."""
    before = now - timedelta(days=1)
    stale = session.scalars(select(SignInFailure).where(
        SignInFailure.first_at < before,
        (SignInFailure.last_at.is_(None)) | (SignInFailure.last_at < before))).all()
    for row in stale:
        session.delete(row)
    return len(stale)
