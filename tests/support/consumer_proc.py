"""A consumer process for the crash tests: ``python -m tests.support.consumer_proc``.

With ``--slow-marker PATH`` the handler writes its row, touches PATH and then
sleeps inside the open transaction, so the test can SIGKILL it mid-message; with
``--batch N --slow-after K`` it handles K events of a batch first and sleeps in the
next, so the kill comes mid-batch.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from pathlib import Path

from sqlalchemy.orm import Session

from services.common.events import Event
from tests.support.bus import BusApp, record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", required=True)
    parser.add_argument("--bus-dir", required=True)
    parser.add_argument("--slow-marker")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--slow-after", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level="WARNING")

    app = BusApp(args.database_url, args.broker_url, Path(args.bus_dir), create=False)

    seen = [0]

    def slow(session: Session, event: Event) -> None:
        record(session, event)
        session.flush()
        seen[0] += 1
        if seen[0] <= args.slow_after:
            return
        Path(args.slow_marker).write_text(event.id)
        time.sleep(600)

    consumer = app.consumer(slow if args.slow_marker else record, batch=args.batch)
    consumer.run_until(threading.Event())


if __name__ == "__main__":
    main()
