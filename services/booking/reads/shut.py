"""Which slots are shut — full by their booked places, or stopped — kept in the process.

On PostgreSQL every change of a slot sends a notification in its own transaction
(migration ``7d3e9a41c2b5``: a trigger on ``slots``), and each booking web process keeps,
from a :class:`~services.common.changes.ChangeFeed`, the slots that are stopped or whose
booked places fill them. A booking for such a slot is refused from memory, with the very
refusal the database path gives (:func:`..ops.booking.refuse_from_memory` runs the same
checks on the slot as kept), without a database round trip: the hot run's late arrivals.

Only refusals come from here. A slot not known to be shut goes to the database as
before, so every booking that succeeds is decided there. Held places are not kept (a
hold runs out on the clock): a slot full only with holds goes to the database too.

While the feed is not live (starting, connection lost, reconnecting) nothing is refused
from memory: every request reads the database until the feed has listened again and
reloaded the shut slots. A place freed by another process reaches this one when its
notification arrives, milliseconds after that transaction commits (docs/booking.md).

On SQLite (the embedded default) there is no LISTEN/NOTIFY and nothing is kept: every
refusal is read from the database as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from services.common.changes import ChangeFeed

from ..domain.statuses import SlotStatus
from ..models import Slot

CHANNEL = "booking_slots"
#: Shut slots of days before today minus this are not loaded (they refuse as "past"
#: from the database anyway, and a long history would only fill the memory).
LOAD_DAYS_BACK = 1


@dataclass(frozen=True)
class ShutSlot:
    """What the refusal needs of a shut slot: its state and its times."""

    id: int
    stopped: bool
    day: date
    start_at: datetime
    end_at: datetime
    capacity: int

    def as_slot(self) -> Slot:
        """A detached slot with these facts, for the same checks the database path runs."""
        return Slot(id=self.id, day=self.day, start_at=self.start_at, end_at=self.end_at,
                    capacity=self.capacity, booked=self.capacity, held=0,
                    status=SlotStatus.CANCELLED if self.stopped else SlotStatus.ACTIVE)


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def shut_of(row: dict[str, Any]) -> ShutSlot | None:
    """The slot as kept, or None when it is open (a payload or a loaded row alike)."""
    stopped = row["status"] != SlotStatus.ACTIVE
    if not stopped and row["booked"] < row["capacity"]:
        return None
    day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
    return ShutSlot(int(row["id"]), stopped, day, _moment(row["start_at"]),
                    _moment(row["end_at"]), int(row["capacity"]))


class ShutSlots:
    """This process's shut slots, kept true by the feed (see the module's docstring)."""

    def __init__(self, url: str) -> None:
        self._shut: dict[int, ShutSlot] = {}
        self._lock = threading.Lock()
        self.feed = ChangeFeed(url, CHANNEL, load=self._load, apply=self._apply,
                               lost=self._shut.clear)

    def start(self) -> ShutSlots:
        self.feed.start()
        return self

    def shut(self, slot_id: int) -> Slot | None:
        """The slot as kept when it is known shut and the feed is live; else None (read
        the database)."""
        if not self.feed.live:
            return None
        found = self._shut.get(slot_id)
        return found.as_slot() if found is not None else None

    def _load(self, connection: psycopg.Connection[Any]) -> None:
        rows = connection.execute(
            "SELECT id, status, day, start_at, end_at, capacity, booked FROM slots "
            f"WHERE (status <> %s OR booked >= capacity) AND day >= current_date - "
            f"{int(LOAD_DAYS_BACK)}", (SlotStatus.ACTIVE.value,)).fetchall()
        names = ("id", "status", "day", "start_at", "end_at", "capacity", "booked")
        fresh = {}
        for row in rows:
            kept = shut_of(dict(zip(names, row, strict=True)))
            if kept is not None:
                fresh[kept.id] = kept
        with self._lock:
            self._shut.clear()
            self._shut.update(fresh)

    def _apply(self, payload: dict[str, Any]) -> None:
        try:
            kept = shut_of(payload)
            slot_id = int(payload["id"])
        except (KeyError, TypeError, ValueError):
            return
        if kept is None:
            self._shut.pop(slot_id, None)
        else:
            self._shut[slot_id] = kept


_lock = threading.Lock()


def shut_slots_for(extensions: dict[str, Any], url: str, dialect: str) -> ShutSlots | None:
    """The app's kept shut slots, started on first use; None on SQLite."""
    if dialect != "postgresql":
        return None
    found: ShutSlots | None = extensions.get("booking_shut_slots")
    if found is None:
        with _lock:
            found = extensions.get("booking_shut_slots")
            if found is None:
                found = extensions["booking_shut_slots"] = ShutSlots(url).start()
    return found
