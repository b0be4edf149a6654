"""From a booking event to the messages it calls for, inside the inbox transaction.

Planning only writes rows; the sender hands them to providers later. So the
consumer never waits on a provider, and a crash before the commit leaves nothing
half done. ``(event_id, channel, template)`` is unique: one event, one message
per channel and template, however often it is delivered.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.common.events import Event

from .config import NotifySettings
from .domain.calendar import ics
from .domain.consent import refusal
from .domain.timing import QuietHours, reminder_time
from .models import Appointment, Message, Suppression
from .rendering import Renderer

BOOKED = "booking.appointment.booked"
CANCELLED = "booking.appointment.cancelled"
RESCHEDULED = "booking.appointment.rescheduled"
TEMPLATES = {BOOKED: "confirmation", CANCELLED: "cancellation", RESCHEDULED: "reschedule"}
CHANNELS = ("sms", "email")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Planner:
    def __init__(self, settings: NotifySettings, renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.renderer = renderer or Renderer(settings.template_dir, settings.default_language)
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end)

    def on_booking_event(self, session: Session, event: Event) -> None:
        facts = event.data
        state = self._remember(session, event)
        if state is None:
            return  # an older event than what we know: saying it now would be untrue
        if event.type in (CANCELLED, RESCHEDULED):
            withdraw_reminders(session, facts["appointment_id"],
                               "appointment cancelled" if event.type == CANCELLED
                               else "appointment moved")
        self._plan(session, event, TEMPLATES[event.type], state, utcnow())
        if event.type in (BOOKED, RESCHEDULED):
            self._plan_reminder(session, event, state)

    def _remember(self, session: Session, event: Event) -> Appointment | None:
        facts = event.data
        state = session.get(Appointment, facts["appointment_id"])
        if state is not None and state.updated_at > event.occurred_at:
            return None
        if state is None:
            state = Appointment(id=facts["appointment_id"], ics_sequence=0)
            session.add(state)
        else:
            state.ics_sequence += 1
        state.status = facts["status"]
        state.start_at = _instant(facts["slot"]["start"])
        state.updated_at = event.occurred_at
        session.flush()
        return state

    def _plan_reminder(self, session: Session, event: Event, state: Appointment) -> None:
        zone = ZoneInfo(event.data.get("time_zone") or self.settings.default_time_zone)
        at = reminder_time(state.start_at, zone, self.settings.reminder_hour, self.quiet)
        if at <= utcnow() or at >= state.start_at:
            return  # booked too late for a reminder: the confirmation was just sent
        self._plan(session, event, "reminder", state, at)

    def _plan(self, session: Session, event: Event, template: str, state: Appointment,
              send_after: datetime) -> None:
        facts = event.data
        patient = facts["patient"]
        language = self.renderer.language((facts.get("hospital") or {}).get("language"))
        for channel in CHANNELS:
            recipient = patient.get("phone") if channel == "sms" else patient.get("email")
            if not recipient:
                continue
            if channel == "email" and self.settings.email_provider == "none":
                continue
            consented = bool(patient.get(f"{channel}_consent"))
            why_not = refusal(channel, consented, recipient,
                              is_suppressed(session, channel, recipient))
            rendered = self.renderer.render(template, channel, language, facts)
            now = utcnow()
            session.add(Message(
                event_id=event.id, event_type=event.type,
                appointment_id=facts["appointment_id"], channel=channel, template=template,
                language=language, recipient=recipient, subject=rendered.subject,
                body=rendered.body, segments=rendered.segments,
                ics=self._ics(event, template, state) if channel == "email" else None,
                status="suppressed" if why_not else "queued", reason=why_not,
                send_after=send_after, created_at=now, updated_at=now))
        session.flush()

    def _ics(self, event: Event, template: str, state: Appointment) -> str | None:
        if template == "reminder":
            return None
        facts = event.data
        hospital = facts.get("hospital") or {}
        department = facts.get("department") or {}
        summary = f"{department.get('name', '')} {facts['expert']['name']} · " \
                  f"{facts['queue_number']}号 · {facts['code']}"
        location = " ".join(x for x in (hospital.get("name"), hospital.get("address"),
                                        department.get("location")) if x)
        return ics(facts["appointment_id"], _instant(facts["slot"]["start"]),
                   _instant(facts["slot"]["end"]), summary.strip(), location,
                   f"{hospital.get('directions', '')}\n{facts.get('patient_link', '')}".strip(),
                   sequence=state.ics_sequence, cancel=template == "cancellation",
                   now=utcnow())


def withdraw_reminders(session: Session, appointment_id: int, reason: str) -> int:
    """A cancelled or moved appointment's pending reminder never fires."""
    result = session.execute(
        update(Message).where(Message.appointment_id == appointment_id,
                              Message.template == "reminder", Message.status == "queued")
        .values(status="cancelled", reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount


def is_suppressed(session: Session, channel: str, recipient: str) -> bool:
    return session.scalar(select(Suppression.id).where(
        Suppression.channel == channel, Suppression.recipient == recipient,
        Suppression.active.is_(True))) is not None


def suppress(session: Session, channel: str, recipient: str, source: str,
             note: str = "") -> Suppression:
    """Record an opt-out and withdraw what is still waiting to go to that recipient."""
    row = session.scalar(select(Suppression).where(Suppression.channel == channel,
                                                   Suppression.recipient == recipient))
    if row is None:
        row = Suppression(channel=channel, recipient=recipient, created_at=utcnow())
        session.add(row)
    row.active, row.source, row.note = True, source, note
    session.execute(update(Message).where(
        Message.channel == channel, Message.recipient == recipient, Message.status == "queued")
        .values(status="suppressed", reason="opted out", updated_at=utcnow())
        .execution_options(synchronize_session=False))
    session.flush()
    return row


