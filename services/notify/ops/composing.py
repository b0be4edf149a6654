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
from ..domain.sms_templates import Unfillable
from ..domain.visit import Visit
from ..models import Installation, Message
from ..wire import kept_hospital, kept_visit


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    segments: int
    ics: str | None
    #: An SMS's registered template as filled (JSON: kind, provider, code, variables,
    #: signature): what the sender hands a template provider, the same after a crash.
    sms_call: str | None = None
    #: Why this SMS cannot be filled within the vendor's limits (it fails, never sent).
    unfillable: str | None = None


def check_sms_templates(settings: NotifySettings) -> None:
    """At start-up (service and worker): every SMS kind and language has its registered
    template, its code for the configured provider, and can be filled within the vendor's
    limits; otherwise a ConfigError names the kind, language and variable."""
    default_renderer(settings.template_dir, settings.default_language, settings.sms_provider,
                     settings.sms_sign_name).check(settings.is_production)


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
        self.renderer = renderer or default_renderer(
            settings.template_dir, settings.default_language, settings.sms_provider,
            settings.sms_sign_name)

    def compose(self, session: Session, visit: Visit, template: str, channel: str,
                language: str, sequence: int, now: datetime) -> Composed:
        try:
            rendered = self.renderer.render(template, channel, language, visit)
        except Unfillable as exc:
            return Composed("", "", 0, None, unfillable=str(exc))
        invite = self._invite(session, visit, template, sequence, now) \
            if channel == "email" else None
        call = json.dumps(rendered.sms.stored(), ensure_ascii=False) if rendered.sms else None
        return Composed(rendered.subject, rendered.body, rendered.segments, invite, call)

    @staticmethod
    def kept(data: Mapping[str, Any], sequence: int) -> str:
        """What the message keeps to be rendered again: the event's facts (``data``, see
        :func:`..wire.kept`) and the invite's sequence."""
        return json.dumps({"data": dict(data), "sequence": sequence}, ensure_ascii=False)

    def again(self, session: Session, row: Message, now: datetime,
              hospital: Hospital | None) -> str | None:
        """Render a message once more, as it is about to be sent, with the hospital's facts
        as notify knows them now (``hospital``, notify's copy) — unless those are the facts
        it was rendered with and its SMS was filled for the provider configured now, which
        would give the same text (most confirmations: planned a moment ago). Returns why
        the SMS can no longer be filled, if it cannot."""
        if not row.facts:
            return None
        stored: dict[str, Any] = json.loads(row.facts)
        same_provider = row.channel != "sms" or (
            row.sms_call is not None
            and json.loads(row.sms_call).get("provider") == self.renderer.provider)
        if same_provider and (hospital is None or hospital == kept_hospital(
                row.event_type, stored["data"])):
            return None  # the same text: the event need not be read back (most messages)
        visit = kept_visit(row.event_type, stored["data"])
        if visit is None:
            return None
        if hospital is not None:
            visit = dataclasses.replace(visit, hospital=hospital)
        composed = self.compose(session, visit, row.template, row.channel, row.language,
                                stored["sequence"], now)
        if composed.unfillable:
            return composed.unfillable
        row.subject, row.body, row.segments = composed.subject, composed.body, composed.segments
        row.sms_call = composed.sms_call
        if row.channel == "email":
            row.ics = composed.ics
        return None

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
