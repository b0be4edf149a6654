"""How long a sign-in waits after failures (SPEC §11): the rule alone, no database.

One account's failures delay that account's next try: the first five are free, then
30 seconds, doubling with each further failure, at most 15 minutes. An address is only
limited by a much higher count (default 100 failures in 15 minutes), because a whole
call centre signs in from one address behind its router.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
#: An account's count is forgotten this long after its latest failure.
FORGET_AFTER = timedelta(hours=1)

ADDRESS_FAILURES = 100
ADDRESS_WINDOW = timedelta(minutes=15)


def account_delay(failures: int) -> timedelta:
    """How long an account waits after its ``failures``-th failure in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = failures - FREE_FAILURES
    if doublings >= 10:  # 30 s · 2¹⁰ is far past the cap; no need to compute huge powers
        return LONGEST_DELAY
    return min(FIRST_DELAY * 2 ** doublings, LONGEST_DELAY)


def account_forgotten(last_failure: datetime | None, now: datetime) -> bool:
    """Whether an account's earlier failures no longer count."""
    return last_failure is None or now - last_failure >= FORGET_AFTER


def address_window_over(first_at: datetime, now: datetime,
                        window: timedelta = ADDRESS_WINDOW) -> bool:
    return now - first_at >= window


def address_blocked(failures: int, limit: int = ADDRESS_FAILURES) -> bool:
    """Whether an address with ``failures`` in its window must wait for the window's end."""
    return failures >= limit


def retry_after(until: datetime | None, now: datetime) -> int:
    """Whole seconds until ``until`` (0: the caller may try now), for ``Retry-After``."""
    if until is None or until <= now:
        return 0
    return math.ceil((until - now).total_seconds())
