"""The soak's history: one JSON object a line, written as things happen.

Every record has ``type`` and ``t``, seconds since the soak began (``time.monotonic()``
less the start, the clock the fake gateway keeps too). ``request`` records one attempt of
a request and its answer; ``fault`` one fault with its start and end; ``gateway`` one
message the gateway took (its reference only: no text, no phone). No personal data: the
patients are made up, and only their booking's key is written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class History:
    def __init__(self, path: Path, started: float | None = None) -> None:
        self.path = path
        self.started = time.monotonic() if started is None else started
        self.lock = threading.Lock()
        self.file = path.open("a", encoding="utf-8")

    def now(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def at(self, monotonic: float) -> float:
        """A ``time.monotonic()`` reading on the history's clock."""
        return round(monotonic - self.started, 3)

    def write(self, record_type: str, **fields: Any) -> None:
        line = json.dumps({"type": record_type, "t": fields.pop("t", self.now()), **fields},
                          ensure_ascii=False)
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()

    def close(self) -> None:
        with self.lock:
            self.file.close()


def read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
