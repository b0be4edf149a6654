"""What the delivery machinery keeps of an erased patient, forgotten (SPEC §11).

Every service keeps copies of messages besides its own tables: parked dead letters
(whose replay would bring an erased patient back), outbox rows (booking's events,
published or waiting) and the stored answers of ``Idempotency-Key`` calls. The
erasure of each service calls :func:`forget_in_infrastructure` with the tables it has
and what it knows of the patient (their id, their appointments' ids, their phones
and email addresses):

- a dead letter that names the patient is deleted (an erasure event itself is kept:
  it names no one and must still be handled);
- an outbox row that names the patient keeps its shape (a late relay still sends a
  valid event) with nothing personal in it;
- a stored answer that names the patient is deleted (a retry with its key is then
  handled as new, and finds the patient erased).

Inbox rows keep only an event's id, type and source: nothing to forget there.

"Names the patient" is read from the JSON: a ``patient`` object with the patient's id,
a ``patient_id`` equal to it, an ``appointment_id`` among theirs, or any text holding
one of their phones (its national digits: ``13912345678`` is in ``+8613912345678``)
or addresses. A name alone is not enough: two patients may share it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .idempotency import IdempotencyMixin
from .inbox import DeadLetterMixin
from .outbox import OutboxMixin
from .phones import national_digits

#: Events that name a patient only to say they were erased: a parked one stays.
KEPT_TYPES = frozenset({"booking.patient.erased"})
PERSONAL = ("name", "phone", "email", "guardian_name", "id_number")


@dataclass(frozen=True)
class Traces:
    """What identifies one patient's data in a message body."""

    patient_id: int
    appointment_ids: frozenset[int] = frozenset()
    needles: tuple[str, ...] = ()

    @classmethod
    def of(cls, patient_id: int, appointment_ids: Iterable[int] = (),
           contacts: Iterable[str | None] = ()) -> Traces:
        """``contacts``: phones (any spelling, E.164 best) and email addresses."""
        needles: set[str] = set()
        for contact in contacts:
            if not contact or not contact.strip():
                continue
            contact = contact.strip()
            if "@" in contact:
                needles.add(contact.lower())
            else:
                needles.add(national_digits(contact))
        return cls(patient_id, frozenset(appointment_ids),
                   tuple(sorted(n for n in needles if len(n) >= 5)))

    def in_text(self, text: str) -> bool:
        lowered = text.lower()
        return any(needle in lowered for needle in self.needles)

    def named_in(self, value: Any) -> bool:
        """Whether a parsed JSON value names the patient."""
        if isinstance(value, str):
            return self.in_text(value)
        if isinstance(value, list):
            return any(self.named_in(item) for item in value)
        if not isinstance(value, dict):
            return False
        patient = value.get("patient")
        if isinstance(patient, dict) and patient.get("id") == self.patient_id:
            return True
        if value.get("patient_id") == self.patient_id and "appointment_ids" not in value:
            return True
        if value.get("appointment_id") in self.appointment_ids:
            return True
        return any(self.named_in(item) for item in value.values())

    def named_in_body(self, body: str | None) -> bool:
        if not body:
            return False
        try:
            return self.named_in(json.loads(body))
        except ValueError:
            return self.in_text(body)


@dataclass
class Forgotten:
    """How many rows :func:`forget_in_infrastructure` deleted or scrubbed, by table."""

    dead_letters: int = 0
    outbox: int = 0
    answers: int = 0


Scrub = Callable[[dict[str, Any]], dict[str, Any]]


def forget_in_infrastructure(session: Session, traces: Traces, *,
                             dead_letters: type[DeadLetterMixin] | None = None,
                             outbox: type[OutboxMixin] | None = None,
                             outbox_where: Any = None,
                             scrub: Scrub | None = None,
                             answers: type[IdempotencyMixin] | None = None) -> Forgotten:
    """Forget the patient in this service's dead letters, outbox and stored answers
    (those of the tables given). ``outbox_where`` narrows the outbox rows read (booking's
    ``patient_id`` column; without it every row is read); ``scrub`` empties an event's
    ``data`` of the patient (default: :func:`scrubbed`)."""
    done = Forgotten()
    if dead_letters is not None:
        for letter in session.scalars(select(dead_letters)):
            if letter.event_type in KEPT_TYPES:
                continue
            if traces.named_in_body(letter.body):
                session.delete(letter)
                done.dead_letters += 1
    if outbox is not None:
        query = select(outbox)
        if outbox_where is not None:
            query = query.where(outbox_where)
        for row in session.scalars(query):
            if row.event_type in KEPT_TYPES or not traces.named_in_body(row.body):
                continue
            envelope = json.loads(row.body)
            envelope["data"] = (scrub or (lambda d: scrubbed(d, traces)))(envelope["data"])
            row.body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
            done.outbox += 1
    if answers is not None:
        for answer in session.scalars(select(answers)):
            if traces.named_in_body(answer.body):
                session.delete(answer)
                done.answers += 1
    session.flush()
    return done


def scrubbed(data: Any, traces: Traces) -> Any:
    """``data`` with the patient's details emptied and any text holding their phone or
    address emptied, its shape kept."""
    if isinstance(data, str):
        return "" if traces.in_text(data) else data
    if isinstance(data, list):
        return [scrubbed(item, traces) for item in data]
    if not isinstance(data, dict):
        return data
    out = {key: scrubbed(value, traces) for key, value in data.items()}
    patient = out.get("patient")
    if isinstance(patient, dict) and patient.get("id") == traces.patient_id:
        out["patient"] = {**patient, **{k: "" for k in PERSONAL if k in patient}}
        if "email" in patient:
            out["patient"]["email"] = None
    if "patient_link" in out:
        out["patient_link"] = ""
    return out
