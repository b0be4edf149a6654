"""A message's text and invite, made when it is planned and made again when it is sent.

The event's facts are kept with the message, so the text sent is rendered from the
hospital's facts as they are at sending time: a reminder planned two weeks ago says
today's address and directions. The rest of the facts are the event's own. With the
same hospital facts the text would be the same, and it is not rendered again.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    ConfirmationRequested,
    HospitalFacts,
)

from ..config import NotifySettings
from ..domain.calendar import Party, ics
from ..domain.rendering import Renderer
from ..models import Hospital, Installation, Message

CONTRACTS: dict[str, type[AppointmentEvent]] = {kind.TYPE: kind for kind in (
    AppointmentBooked, AppointmentCancelled, AppointmentRescheduled, ConfirmationRequested)}


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    segments: int
    ics: str | None


def installation_token(session: Session, now: datetime) -> str:
    """This installation's token, made the first time it is asked for."""
    row = session.get(Installation, 1)
    if row is None:
        row = Installation(id=1, token=secrets.token_hex(8), created_at=now)
        session.add(row)
        session.flush()
    return row.token


class Composer:
    def __init__(self, settings: NotifySettings, renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.renderer = renderer or Renderer(settings.template_dir, settings.default_language)

    def compose(self, session: Session, facts: AppointmentEvent, template: str, channel: str,
                language: str, sequence: int, now: datetime) -> Composed:
        rendered = self.renderer.render(template, channel, language, facts)
        invite = self._invite(session, facts, template, sequence, now) \
            if channel == "email" else None
        return Composed(rendered.subject, rendered.body, rendered.segments, invite)

    @staticmethod
    def kept(facts: AppointmentEvent, sequence: int) -> str:
        """What the message keeps to be rendered again: the facts and the invite's
        sequence."""
        return json.dumps({"data": facts.to_data(), "sequence": sequence}, ensure_ascii=False)

    def again(self, session: Session, row: Message, now: datetime,
              hospital: Hospital | None) -> None:
        """Render a message once more, as it is about to be sent, with the hospital's facts
        as notify knows them now (``hospital``, notify's copy) — unless those are the facts
        it was rendered with, which would give the same text (most confirmations: planned
        a moment ago)."""
        if not row.facts or row.event_type not in CONTRACTS or hospital is None:
            return
        stored: dict[str, Any] = json.loads(row.facts)
        now_known = HospitalFacts(
            name=hospital.name, address=hospital.address, directions=hospital.directions,
            phone=hospital.phone, time_zone=hospital.time_zone, language=hospital.language)
        if stored["data"].get("hospital") == now_known.to_data():
            return
        facts = dataclasses.replace(CONTRACTS[row.event_type].from_data(stored["data"]),
                                    hospital=now_known)
        composed = self.compose(session, facts, row.template, row.channel, row.language,
                                stored["sequence"], now)
        row.subject, row.body, row.segments = composed.subject, composed.body, composed.segments
        if row.channel == "email":
            row.ics = composed.ics

    def _invite(self, session: Session, facts: AppointmentEvent, template: str,
                sequence: int, now: datetime) -> str | None:
        if template == "reminder" or not facts.patient.email:
            return None
        hospital, department = facts.hospital, facts.department
        summary = (f"{department.name if department else ''} {facts.expert.name} · "
                   f"{facts.queue_number}号 · {facts.code}")
        location = " ".join(x for x in (hospital.name if hospital else "",
                                        hospital.address if hospital else "",
                                        department.location if department else "") if x)
        directions = hospital.directions if hospital else ""
        return ics(facts.appointment_id, facts.slot.start, facts.slot.end, summary.strip(),
                   location, f"{directions}\n{facts.patient_link}".strip(), sequence=sequence,
                   organizer=Party(self.settings.email_from, hospital.name if hospital else ""),
                   attendee=Party(facts.patient.email, facts.patient.name),
                   installation=installation_token(session, now),
                   cancel=template == "cancellation", now=now)
