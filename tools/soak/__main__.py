"""``python -m tools.soak [--minutes M] [--faults KIND,...] [--seed N]``: see the package.

Prints the history's path, a line per fault, then one ``soak:`` line; exits 1 when a
safety count is not zero or a confirmation was late (``checker.failed``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from .checker import Databases, check, failed, latency_by_fault, line
from .clinic import Clinic, bookable_slots, running_clinic, set_up_hospital, soak_days
from .faults import KINDS, Faults
from .history import History
from .load import Load

DRAIN_FOR = 180.0  # at most this long for the outboxes and the sender to empty at the end


def soak(folder: Path, minutes: float, kinds: tuple[str, ...] = KINDS, seed: int | None = None,
         rate: float = 7.0, consultants: int = 12, gap: tuple[float, float] = (6.0, 12.0),
         say: Any = print) -> tuple[dict[str, Any], Path]:
    """Run the soak in ``folder``; the checker's summary and the history's path."""
    path = folder / "history.jsonl"
    say(f"soak history: {path}")
    with running_clinic(folder) as clinic:
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        first, days = soak_days(today)
        experts = set_up_hospital(clinic, consultants, first, days)
        slots = bookable_slots(clinic, first)
        history = History(path)
        load = Load(clinic, history, slots, experts, (first + timedelta(days=days), 6),
                    rate=rate, consultants=consultants, seed=seed)
        faults = Faults(clinic, history, kinds, gap=gap, seed=seed)
        seconds = minutes * 60
        began = time.monotonic()
        load.start()
        faults.start(seconds)
        try:
            faults.thread.join(timeout=seconds + 120)
            time.sleep(max(began + seconds - time.monotonic(), 0))
        except BaseException:  # Ctrl-C: no waiting for retries, straight to the clean-up
            faults.stop.set()
            load.stop.set()
            raise
        faults.join()
        load.finish()
        if faults.error is not None:
            raise RuntimeError(f"a fault could not be made: {faults.error!r}")
        drain(clinic)
        record_gateway(clinic, history)
        history.close()
        for row in latency_by_fault(path):
            say("fault: " + " ".join(f"{k}={v}" for k, v in row.items()))
        dead = [kind for kind, alive in clinic.alive().items() if not alive]
        if dead:
            say(f"processes that died on their own: {', '.join(dead)}")
        summary = check(path, {s: clinic.dsn(s) for s in clinic.databases})
    return summary, path


def record_gateway(clinic: Clinic, history: History) -> None:
    """What the gateway took, repeats included, each with the appointment and template of
    notify's message it names."""
    db = Databases({"notify": clinic.dsn("notify")})
    try:
        messages = db.messages()
    finally:
        db.close()
    for body, at in zip(list(clinic.gateway.taken), list(clinic.gateway.taken_at),
                        strict=True):
        ref = str(body.get("client_ref"))
        appointment, template = messages.get(ref, (None, ""))
        history.write("gateway", t=history.at(at), ref=ref, appointment=appointment,
                      template=template)


def drain(clinic: Clinic) -> None:
    """Wait until the outboxes are published and every due message handed over, and the
    gateway has taken nothing new for 5 s."""
    db = Databases({s: clinic.dsn(s) for s in clinic.databases})
    deadline = time.monotonic() + DRAIN_FOR
    try:
        last, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            taken = len(clinic.gateway.taken)
            if taken != last:
                last, quiet_since = taken, time.monotonic()
            if time.monotonic() - quiet_since >= 5 and db.drained():
                return
            time.sleep(0.5)
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.soak", description=__doc__)
    parser.add_argument("--minutes", type=float,
                        default=float(os.environ.get("SOAK_MINUTES") or 5))
    parser.add_argument("--faults", default=",".join(KINDS),
                        help="the kinds of fault, comma-separated (default: every kind)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"no such fault: {', '.join(sorted(unknown))} (kinds: {', '.join(KINDS)})")

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # cleaned up as for Ctrl-C
    folder = Path(tempfile.mkdtemp(prefix="clinic-soak-"))
    summary, _ = soak(folder, args.minutes, kinds, args.seed)
    if summary["late_worst"]:
        beyond, answered, taken, template = summary["late_worst"]
        print(f"latest: a {template} answered at {answered:.1f} s reached the gateway at "
              f"{taken:.1f} s, {beyond:.1f} s beyond the gateway's faults")
    print(line(summary), flush=True)
    reasons = failed(summary)
    if reasons:
        print(f"soak failed: {', '.join(reasons)}; logs in {folder}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
