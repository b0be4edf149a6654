"""Small, rarely changed reads kept in the process for a few seconds.

Every request reads the hospital's facts and whether its token still stands; both
change a few times a year, yet read each time they cost a booking two of its
round trips. A value is kept per database (tests run many in one process) for
``seconds``, and forgotten as soon as a change to it commits in this process;
another process sees the change within ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import URL, event
from sqlalchemy.orm import Session

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._values: dict[tuple[Any, Hashable], tuple[float, V]] = {}

    def get(self, database: URL, key: Hashable, load: Callable[[], V]) -> V:
        """The kept value, or ``load()`` when there is none fresh enough."""
        where = (database, key)
        now = time.monotonic()
        found = self._values.get(where)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = load()
        self._values[where] = (now, value)
        return value

    def forget_when_committed(self, session: Session, key: Hashable) -> None:
        """Drop the kept value once ``session``'s change to it commits."""
        where = (session.get_bind().engine.url, key)
        event.listen(session, "after_commit", lambda _s: self._values.pop(where, None),
                     once=True)
