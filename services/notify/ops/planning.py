"""From a booking event to the messages it calls for, inside the inbox transaction.

Planning only writes rows; the sender hands them to providers later. So the
consumer never waits on a provider, and a crash before the commit leaves nothing
half done. ``(event_id, channel, template)`` is unique: one event, one message
per channel and template, however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    ConfirmationRequested,
)
from services.common.db import after_commit_once, append_row, changed, rows_together, table_of
from services.common.events import Event
from services.common.phones import language_for

from ..config import NotifySettings
from ..domain.consent import refusal
from ..domain.rendering import Renderer
from ..domain.statuses import MessageStatus
from ..domain.timing import QuietHours, reminder_time
from ..models import Appointment, Message
from .composing import Composer
from .suppressions import suppressed_channels

TEMPLATES: dict[type[AppointmentEvent], str] = {
    AppointmentBooked: "confirmation", AppointmentCancelled: "cancellation",
    AppointmentRescheduled: "reschedule", ConfirmationRequested: "confirmation"}
CHANNELS = ("sms", "email")
MESSAGES = table_of(Message)


class Planner:
    def __init__(self, settings: NotifySettings, renderer: Renderer | None = None,
                 on_due: Callable[[], None] | None = None) -> None:
        """``on_due`` is called after a commit that planned a message due now (the worker
        wakes its sender with it instead of letting the message wait for the next poll)."""
        self.settings = settings
        self.composer = Composer(settings, renderer)
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end)
        self.on_due = on_due

    def on_booking_event(self, session: Session, facts: AppointmentEvent, event: Event,
                         now: datetime) -> None:
        """Plan the event's messages; they are written together when it is planned (one
        statement on PostgreSQL), before the next event of a batch is looked at."""
        with rows_together(session):
            self._on_booking_event(session, facts, event, now)

    def _on_booking_event(self, session: Session, facts: AppointmentEvent, event: Event,
                          now: datetime) -> None:
        if isinstance(facts, ConfirmationRequested):
            self._resend(session, facts, event, now)
            return
        state = self._remember(session, facts, event)
        if state is None:
            return  # an older event than what we know: saying it now would be untrue
        if isinstance(facts, AppointmentCancelled | AppointmentRescheduled):
            withdraw_reminders(session, facts.appointment_id, now,
                               "appointment cancelled" if isinstance(facts, AppointmentCancelled)
                               else "appointment moved")
        suppressed = suppressed_channels(session, facts.patient)
        self._plan(session, facts, event, TEMPLATES[type(facts)], state, now, now, suppressed)
        if isinstance(facts, AppointmentBooked | AppointmentRescheduled):
            self._plan_reminder(session, facts, event, state, now, suppressed)

    def _resend(self, session: Session, facts: ConfirmationRequested, event: Event,
                now: datetime) -> None:
        """The confirmation again, unless notify already knows of a later change (then the
        confirmation would no longer be true)."""
        state = session.get(Appointment, facts.appointment_id)
        if state is not None and state.updated_at > event.occurred_at:
            return
        if state is None:
            state = self._remember(session, facts, event)
        if state is not None:
            self._plan(session, facts, event, "confirmation", state, now, now,
                       suppressed_channels(session, facts.patient))

    def _remember(self, session: Session, facts: AppointmentEvent,
                  event: Event) -> Appointment | None:
        state = session.get(Appointment, facts.appointment_id)
        if state is not None and state.updated_at > event.occurred_at:
            return None
        if state is None:
            state = Appointment(id=facts.appointment_id, ics_sequence=0)
            session.add(state)
        else:
            state.ics_sequence += 1
        state.status = facts.status
        state.start_at = facts.slot.start
        state.updated_at = event.occurred_at
        return state

    def _plan_reminder(self, session: Session, facts: AppointmentEvent, event: Event,
                       state: Appointment, now: datetime, suppressed: frozenset[str]) -> None:
        zone = ZoneInfo(facts.time_zone)
        at = reminder_time(state.start_at, zone, self.settings.reminder_hour, self.quiet, now)
        if at is None:
            return  # booked too late for a reminder: the confirmation was just sent
        self._plan(session, facts, event, "reminder", state, at, now, suppressed)

    def _plan(self, session: Session, facts: AppointmentEvent, event: Event, template: str,
              state: Appointment, send_after: datetime, now: datetime,
              suppressed: frozenset[str]) -> None:
        """Messages for each channel the patient has; one the patient said no to (no
        consent, opted out in ``suppressed``, unreachable) is kept as suppressed."""
        patient = facts.patient
        home = self.composer.renderer.language(facts.hospital.language if facts.hospital else None)
        # A patient with a phone from abroad reads English, as on their link's page.
        language = language_for(patient.phone, self.settings.phone_region, home) \
            if patient.phone else home
        for channel in CHANNELS:
            recipient = patient.phone if channel == "sms" else patient.email
            if not recipient:
                continue
            if channel == "email" and self.settings.email_provider == "none":
                continue
            consented = patient.sms_consent if channel == "sms" else patient.email_consent
            why_not = refusal(channel, consented, recipient,
                              channel in suppressed,
                              reachable=patient.mobile if channel == "sms" else True)
            composed = self.composer.compose(session, facts, template, channel, language,
                                             state.ics_sequence, now)
            append_row(session, MESSAGES, dict(
                event_id=event.id, event_type=event.type, patient_id=patient.id,
                appointment_id=facts.appointment_id, channel=channel, template=template,
                language=language, recipient=recipient, subject=composed.subject,
                body=composed.body, segments=composed.segments, ics=composed.ics,
                facts=None if why_not else self.composer.kept(facts, state.ics_sequence),
                status=MessageStatus.SUPPRESSED if why_not else MessageStatus.QUEUED,
                reason=why_not, send_after=send_after, created_at=now, updated_at=now,
                attempts=0))
            if not why_not and send_after <= now and self.on_due is not None:
                after_commit_once(session, "message due", self.on_due)


def withdraw_reminders(session: Session, appointment_id: int, now: datetime,
                       reason: str) -> int:
    """A cancelled or moved appointment's pending reminder never fires."""
    return changed(session, update(Message).where(
        Message.appointment_id == appointment_id, Message.template == "reminder",
        Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED, reason=reason, updated_at=now, facts=None)
        .execution_options(synchronize_session=False))
