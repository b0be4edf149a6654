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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.hospital import Hospital

from ..config import NotifySettings
from ..domain.calendar import Party, ics
from ..domain.rendering import Renderer
from ..domain.rendering import renderer as default_renderer
from ..domain.visit import Visit
from ..models import Installation, Message
from ..wire import kept_visit


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
        self.renderer = renderer or default_renderer(settings.template_dir,
                                                     settings.default_language)

    def compose(self, session: Session, visit: Visit, template: str, channel: str,
                language: str, sequence: int, now: datetime) -> Composed:
        rendered = self.renderer.render(template, channel, language, visit)
        invite = self._invite(session, visit, template, sequence, now) \
            if channel == "email" else None
        return Composed(rendered.subject, rendered.body, rendered.segments, invite)

    @staticmethod
    def kept(data: Mapping[str, Any], sequence: int) -> str:
        """What the message keeps to be rendered again: the event's facts (``data``, see
        :func:`..wire.kept`) and the invite's sequence."""
        return json.dumps({"data": dict(data), "sequence": sequence}, ensure_ascii=False)

    def again(self, session: Session, row: Message, now: datetime,
              hospital: Hospital | None) -> None:
        """Render a message once more, as it is about to be sent, with the hospital's facts
        as notify knows them now (``hospital``, notify's copy) — unless those are the facts
        it was rendered with, which would give the same text (most confirmations: planned
        a moment ago)."""
        if not row.facts or hospital is None:
            return
        stored: dict[str, Any] = json.loads(row.facts)
        visit = kept_visit(row.event_type, stored["data"])
        if visit is None or visit.hospital == hospital:
            return
        composed = self.compose(session, dataclasses.replace(visit, hospital=hospital),
                                row.template, row.channel, row.language, stored["sequence"], now)
        row.subject, row.body, row.segments = composed.subject, composed.body, composed.segments
        if row.channel == "email":
            row.ics = composed.ics

    def _invite(self, session: Session, visit: Visit, template: str,
                sequence: int, now: datetime) -> str | None:
        if template == "reminder" or not visit.patient.email:
            return None
        hospital, department = visit.hospital, visit.department
        summary = (f"{department.name if department else ''} {visit.expert.name} · "
                   f"{visit.queue_number}号 · {visit.code}")
        location = " ".join(x for x in (hospital.name if hospital else "",
                                        hospital.address if hospital else "",
                                        department.location if department else "") if x)
        directions = hospital.directions if hospital else ""
        return ics(visit.appointment_id, visit.start, visit.end, summary.strip(),
                   location, f"{directions}\n{visit.link}".strip(), sequence=sequence,
                   organizer=Party(self.settings.email_from, hospital.name if hospital else ""),
                   attendee=Party(visit.patient.email, visit.patient.name),
                   installation=installation_token(session, now),
                   cancel=template == "cancellation", now=now)
