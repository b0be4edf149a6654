"""Reads the soak's history and the databases; says what was lost, doubled, oversold, stuck.

- ``lost``: a booking answered 201 that is not in booking's database, or whose SMS
  confirmation never reached the gateway; a cancellation or reschedule answered 200 whose
  message never reached it; a booking whose answer was a 409 ``duplicate`` or no answer at
  all (the consultant would book again); an enquiry answered 201 not recorded, a
  cancellation by the hospital without its follow-up task, an extra session whose slots
  never reached booking.
- ``duplicated``: the gateway took one message twice, counted before any de-duplication of
  its own; or two confirmations (or cancellations) of one appointment; or more reschedule
  messages than reschedules answered 200; or two appointments of one patient (each
  booking is a patient of its own); two follow-up tasks for one appointment the hospital
  cancelled; more enquiries recorded than answered 201.
- ``oversold``: a slot with more places taken than it has.
- ``stuck``: an outbox row never published, a message due but neither sent nor given up,
  an SMS given up (``failed``), a parked (dead) event, in any service.
- ``late_max_s``: the worst time from an answer to the gateway taking its message, less
  its overlap with gateway outages and throttling (what those faults must cost).
- ``recover_max_s``: after each fault's start, the time until a booking is answered 201.
- ``5xx_not_retryable``: answers 5xx other than a 503 with a Retry-After.
- ``refused``: requests whose last answer was a 4xx the load does not expect (all but
  the race's ``slot_full``): a consultant told no for no reason, or a load that asks wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from .history import read

SAFETY = ("lost", "duplicated", "oversold", "stuck", "5xx_not_retryable", "refused")
#: The refusals the load expects: the race for a slot's last place is lost by all but one.
EXPECTED_REFUSALS = {("race", 409, "slot_full")}
LATE_LIMIT = 10.0
GATEWAY_FAULTS = ("gateway-outage", "gateway-throttle")
BOOKING_KINDS = ("book", "hold_book", "race")


@dataclass
class Facts:
    """What the databases say at the end."""

    appointments: set[int] = field(default_factory=set)
    patients_booked_twice: int = 0
    oversold: int = 0
    stuck: int = 0
    enquiries: int = 0
    hospital_tasks: Counter[int] = field(default_factory=Counter)  # appointment → tasks
    slots: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, dsns: dict[str, str]) -> Facts:
        db = Databases(dsns)
        try:
            return cls(db.appointment_ids(), db.patients_booked_twice(), db.oversold(),
                       db.stuck(), db.count("followup", "SELECT count(*) FROM enquiries"),
                       Counter(row[0] for row in db.rows(
                           "followup", "SELECT appointment_id FROM tasks "
                           "WHERE kind = 'hospital_cancelled'")),
                       {row[0] for row in db.rows("booking", "SELECT id FROM slots")})
        finally:
            db.close()


def check(path: Path, dsns: dict[str, str]) -> dict[str, Any]:
    """The soak's figures from the history at ``path`` and the services' databases."""
    return judge(list(read(path)), Facts.read(dsns))


def judge(records: list[dict[str, Any]], facts: Facts) -> dict[str, Any]:
    """The soak's figures from its history's records and the databases' facts."""
    requests = [r for r in records if r["type"] == "request"]
    faults = [r for r in records if r["type"] == "fault"]
    booked = {r["key"]: r for r in records if r["type"] == "booked"}
    takes: dict[str, list[float]] = defaultdict(list)
    for record in records:
        if record["type"] == "gateway":
            takes[record["ref"]].append(record["t"])  # repeats of one message kept
    final = {r["key"]: r for r in requests if r["key"]}  # each key's last attempt

    taken_of = first_takes(records)
    changes = {kind: [r for r in final.values() if r["kind"] == kind and r["status"] == 200]
               for kind in ("cancel", "reschedule")}

    lost = lost_count(booked, final, changes, taken_of, facts.appointments)
    others = other_services(records, final, facts)
    lost += others["lost"]
    duplicated = (others["duplicated"] + sum(len(at) - 1 for at in takes.values())
                  + sum(max(len(at) - 1, 0) for (_, template), at in taken_of.items()
                        if template in ("confirmation", "cancellation"))
                  + extra_reschedules(changes["reschedule"], taken_of)
                  + facts.patients_booked_twice)
    windows = [(f["start"], f["end"]) for f in faults if f["kind"] in GATEWAY_FAULTS]
    delays = message_delays(booked, changes, taken_of, windows)
    worst = max(delays, default=None)
    summary: dict[str, Any] = {
        "bookings": len(booked),
        "faults": len(faults),
        "kinds": len({f["kind"] for f in faults}),
        "lost": lost,
        "duplicated": duplicated,
        "oversold": facts.oversold,
        "stuck": facts.stuck,
        "late_max_s": round(worst[0], 1) if worst else 0.0,
        "late_worst": worst,
        "recover_max_s": round(max(recoveries(faults, requests).values(), default=0.0), 1),
        "refused": sum(400 <= r["status"] < 500
                       and (r["kind"], r["status"], r["code"]) not in EXPECTED_REFUSALS
                       for r in final.values()),
        "5xx_not_retryable": sum(r["status"] >= 500 and not (r["status"] == 503
                                                              and r["retry_after"])
                                 for r in requests),
    }
    return summary


def lost_count(booked: dict[str, Any], final: dict[str, Any], changes: dict[str, list[Any]],
               taken_of: dict[tuple[int, str], list[float]], in_db: set[int]) -> int:
    lost = sum(b["appointment"] not in in_db or not taken_of.get((b["appointment"],
                                                                   "confirmation"))
               for b in booked.values())
    lost += sum(r["kind"] in BOOKING_KINDS and (r["status"] in (0, 502, 503, 504)
                                                or r["code"] == "duplicate")
                for r in final.values())
    for kind, template in (("cancel", "cancellation"), ("reschedule", "reschedule")):
        lost += sum(not taken_of.get((r["appointment"], template)) for r in changes[kind])
    return lost


def other_services(records: list[dict[str, Any]], final: dict[str, Any],
                   facts: Facts) -> dict[str, int]:
    """Follow-up's enquiries and tasks, schedule's extra sessions as booking got them."""
    enquiries = sum(r["kind"] == "enquiry" and r["status"] == 201 for r in final.values())
    recorded = facts.enquiries
    cancelled = {r["appointment"] for r in final.values() if r["kind"] == "cancel"
                 and r["status"] == 200 and r.get("reason") == "hospital"}
    tasks = facts.hospital_tasks
    added = {slot for r in records if r["type"] == "session_added" for slot in r["slots"]}
    arrived = facts.slots
    return {"lost": max(enquiries - recorded, 0) + sum(not tasks[a] for a in cancelled)
            + len(added - arrived),
            "duplicated": max(recorded - enquiries, 0) + sum(max(n - 1, 0)
                                                             for n in tasks.values())}


def extra_reschedules(answered: list[dict[str, Any]],
                      taken_of: dict[tuple[int, str], list[float]]) -> int:
    moves = Counter(r["appointment"] for r in answered)
    return sum(max(len(at) - moves[appointment], 0)
               for (appointment, template), at in taken_of.items() if template == "reschedule")


def overlap(start: float, end: float, windows: list[tuple[float, float]]) -> float:
    return sum(max(min(end, w_end) - max(start, w_start), 0.0) for w_start, w_end in windows)


def first_takes(records: list[dict[str, Any]]) -> dict[tuple[int, str], list[float]]:
    """When the gateway first took each message, per (appointment, template)."""
    first: dict[str, dict[str, Any]] = {}
    for record in records:
        if record["type"] == "gateway" and record.get("appointment") is not None:
            first.setdefault(record["ref"], record)
    found: dict[tuple[int, str], list[float]] = defaultdict(list)
    for record in first.values():
        found[(record["appointment"], record["template"])].append(record["t"])
    return found


Delay = tuple[float, float, float, str]  # beyond the gateway's faults, answered, taken, template


def message_delays(booked: dict[str, Any], changes: dict[str, list[Any]],
                   taken_of: dict[tuple[int, str], list[float]],
                   windows: list[tuple[float, float]]) -> list[Delay]:
    """Each message's time from its answer to the gateway, less the gateway's faults."""
    answered = [(b["t"], b["appointment"], "confirmation") for b in booked.values()]
    answered += [(r["t"], r["appointment"], template) for kind, template in
                 (("cancel", "cancellation"), ("reschedule", "reschedule"))
                 for r in changes[kind]]
    delays = []
    for at, appointment, template in answered:
        later = [t for t in taken_of.get((appointment, template), []) if t >= at - 1]
        if later:
            taken = min(later)
            delays.append((round(taken - at - overlap(at, taken, windows), 2), at, taken,
                           template))
    return delays


def recoveries(faults: list[dict[str, Any]], requests: list[dict[str, Any]]) -> dict[int, float]:
    """For each fault (by its place), seconds from its start to the first booking answered
    201 that was sent after it began."""
    answered = sorted((r["sent"], r["t"]) for r in requests
                      if r["kind"] in BOOKING_KINDS and r["status"] == 201)
    found = {}
    for n, fault in enumerate(faults):
        first = min((t for sent, t in answered if sent >= fault["start"]), default=None)
        if first is not None:
            found[n] = first - fault["start"]
    return found


def latency_by_fault(path: Path) -> list[dict[str, Any]]:
    """For the docs: per fault, the slowest booking answer (first attempt to answer) among
    bookings begun during it, and the slowest message (answer to gateway) among those
    waiting during it, in all and beyond the gateway's own faults."""
    records = list(read(path))
    faults = [r for r in records if r["type"] == "fault"]
    final = {r["key"]: r for r in records if r["type"] == "request" and r["key"]}
    first_sent: dict[str, float] = {}
    for r in records:
        if r["type"] == "request" and r["key"] and r["kind"] in BOOKING_KINDS:
            first_sent.setdefault(r["key"], r["sent"])
    booked = {r["key"]: r for r in records if r["type"] == "booked"}
    changes = {kind: [r for r in final.values() if r["kind"] == kind and r["status"] == 200]
               for kind in ("cancel", "reschedule")}
    windows = [(f["start"], f["end"]) for f in faults if f["kind"] in GATEWAY_FAULTS]
    delays = message_delays(booked, changes, first_takes(records), windows)
    rows = []
    for fault in faults:
        start, end = fault["start"], fault["end"]
        answer = [booked[k]["t"] - sent for k, sent in first_sent.items()
                  if start <= sent <= end + 1 and k in booked]
        waiting = [(taken - at, beyond) for beyond, at, taken, _ in delays
                   if at <= end and taken >= start]
        rows.append({"kind": fault["kind"], "seconds": round(end - start, 1),
                     "bookings": len(answer),
                     "slowest_answer_s": round(max(answer, default=0.0), 1),
                     "messages": len(waiting),
                     "slowest_sms_s": round(max((w for w, _ in waiting), default=0.0), 1),
                     "beyond_gateway_s": round(max((b for _, b in waiting), default=0.0), 1)})
    return rows


class Databases:
    """The checker's reads of the four databases (its connections are spared by faults)."""

    def __init__(self, dsns: dict[str, str]) -> None:
        self.conns = {service: psycopg.connect(dsn, autocommit=True)
                      for service, dsn in dsns.items()}

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()

    def rows(self, service: str, sql: str) -> list[tuple[Any, ...]]:
        return list(self.conns[service].execute(sql).fetchall())

    def count(self, service: str, sql: str) -> int:
        return int(self.rows(service, sql)[0][0] or 0)

    def messages(self) -> dict[str, tuple[int | None, str]]:
        """Each SMS's gateway reference → its appointment and template."""
        return {f"msg-{row[0]}": (row[1], row[2]) for row in self.rows(
            "notify", "SELECT id, appointment_id, template FROM messages WHERE channel = 'sms'")}

    def appointment_ids(self) -> set[int]:
        return {row[0] for row in self.rows("booking", "SELECT id FROM appointments")}

    def patients_booked_twice(self) -> int:
        return self.count("booking", "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n "
                          "FROM appointments GROUP BY patient_id) per WHERE n > 1")

    def oversold(self) -> int:
        return self.count("booking", """
            SELECT count(*) FROM slots s WHERE s.booked > s.capacity + s.overbooked
              OR (SELECT count(*) FROM appointments a WHERE a.slot_id = s.id
                  AND a.status <> 'cancelled' AND NOT a.overbooked) > s.capacity""")

    def stuck(self) -> int:
        stuck = sum(self.count(service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    for service in ("schedule", "booking"))
        stuck += self.count("notify", "SELECT count(*) FROM messages WHERE channel = 'sms' AND "
                            "(status = 'failed' OR (status = 'queued' AND send_after <= now()))")
        for service in self.conns:
            if self.rows(service, "SELECT to_regclass('dead_letters')")[0][0] is not None:
                stuck += self.count(service, "SELECT count(*) FROM dead_letters")
        return stuck

    def drained(self) -> bool:
        """Nothing left to publish, nothing due left to send."""
        return self.stuck() == 0 or (
            sum(self.count(s, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                for s in ("schedule", "booking")) == 0
            and self.count("notify", "SELECT count(*) FROM messages WHERE channel = 'sms' "
                           "AND status = 'queued' AND send_after <= now()") == 0)


def line(summary: dict[str, Any]) -> str:
    keys = ("bookings", "faults", "kinds", "lost", "duplicated", "oversold", "stuck",
            "late_max_s", "recover_max_s", "5xx_not_retryable", "refused")
    return "soak: " + " ".join(f"{key}={summary[key]}" for key in keys)


def failed(summary: dict[str, Any]) -> list[str]:
    """What makes the soak fail: any safety count above zero, or confirmations too late."""
    reasons = [f"{key}={summary[key]}" for key in SAFETY if summary[key]]
    if summary["late_max_s"] > LATE_LIMIT:
        reasons.append(f"late_max_s={summary['late_max_s']} > {LATE_LIMIT}")
    return reasons
