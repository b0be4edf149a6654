"""From a booking event to the messages it calls for, inside the inbox transaction.

Planning only writes rows; the sender hands them to providers later. So the
consumer never waits on a provider, and a crash before the commit leaves nothing
half done. ``(event_id, channel, template)`` is unique: one event, one message
per channel and template, however often it is delivered.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from services.common.db import append_row, changed, rows_together, table_of
from services.common.events import Event
from services.common.phones import language_for
from services.common.tracing import current_traceparent

from ..config import NotifySettings
from ..domain.consent import refusal
from ..domain.rendering import Renderer
from ..domain.statuses import MessageStatus
from ..domain.timing import QuietHours, reminder_time
from ..domain.visit import Happened, Visit
from ..models import Appointment, Message
from .composing import Composer
from .suppressions import suppressed_channels

log = logging.getLogger(__name__)
TEMPLATES: dict[Happened, str] = {
    Happened.BOOKED: "confirmation", Happened.CANCELLED: "cancellation",
    Happened.RESCHEDULED: "reschedule", Happened.CONFIRMATION_ASKED: "confirmation"}
CHANNELS = ("sms", "email")
MESSAGES = table_of(Message)
#: Set in a transaction's ``session.info`` when it planned a message due at once: whoever
#: runs the transaction (the worker) may wake its sender when it commits.
DUE_NOW = "notify_message_due_now"


def planned_due_now(session: Session) -> bool:
    """Whether this transaction planned a message to send at once."""
    return bool(session.info.get(DUE_NOW))


class Planner:
    """Plans one event's messages with ``settings``; cheap to make (the templates are
    compiled once per folder, see :func:`..domain.rendering.renderer`)."""

    def __init__(self, settings: NotifySettings, renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.composer = Composer(settings, renderer)
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end)

    def on_booking_event(self, session: Session, visit: Visit, kept: Mapping[str, Any],
                         event: Event, now: datetime) -> None:
        """Plan the event's messages; they are written together when it is planned (one
        statement on PostgreSQL), before the next event of a batch is looked at.
        ``kept`` is what a queued message keeps of the event to be rendered again."""
        with rows_together(session):
            Planning(self, session, visit, kept, event, now).plan()


class Planning:
    """One event being planned: the transaction, the visit, the event and its time."""

    def __init__(self, planner: Planner, session: Session, visit: Visit,
                 kept: Mapping[str, Any], event: Event, now: datetime) -> None:
        self.planner, self.settings = planner, planner.settings
        self.session, self.visit, self.kept, self.event, self.now = (session, visit, kept,
                                                                     event, now)

    def plan(self) -> None:
        visit, session, now = self.visit, self.session, self.now
        if visit.happened is Happened.CONFIRMATION_ASKED:
            self._resend()
            return
        state = self._remember()
        if state is None:
            return  # an older event than what we know: saying it now would be untrue
        if visit.happened in (Happened.CANCELLED, Happened.RESCHEDULED):
            withdraw_reminders(session, visit.appointment_id, now,
                               "appointment cancelled" if visit.happened is Happened.CANCELLED
                               else "appointment moved")
        suppressed = suppressed_channels(session, visit.patient)
        self._plan(TEMPLATES[visit.happened], state, now, suppressed)
        if visit.happened in (Happened.BOOKED, Happened.RESCHEDULED):
            self._plan_reminder(state, suppressed)

    def _resend(self) -> None:
        """The confirmation again, unless notify already knows of a later change (then the
        confirmation would no longer be true)."""
        state = _state(self.session, self.visit.appointment_id)
        if state is not None and state.updated_at > self.event.occurred_at:
            return
        if state is None:
            state = self._remember()
        if state is not None:
            self._plan("confirmation", state, self.now,
                       suppressed_channels(self.session, self.visit.patient))

    def _remember(self) -> Appointment | None:
        visit, session, event = self.visit, self.session, self.event
        state = _state(session, visit.appointment_id)
        if state is not None and state.updated_at > event.occurred_at:
            return None
        if state is None:
            state = Appointment(id=visit.appointment_id, ics_sequence=0)
            session.add(state)
            _known_now(session, state)
        else:
            state.ics_sequence += 1
        state.status = visit.status
        state.start_at = visit.start
        state.updated_at = event.occurred_at
        return state

    def _plan_reminder(self, state: Appointment, suppressed: frozenset[str]) -> None:
        at = reminder_time(state.start_at, self.visit.zone, self.settings.reminder_hour,
                           self.planner.quiet, self.now)
        if at is None:
            return  # booked too late for a reminder: the confirmation was just sent
        self._plan("reminder", state, at, suppressed)

    @functools.cached_property
    def language(self) -> str:
        """The language the patient reads (worked out once for all the event's messages)."""
        visit, patient = self.visit, self.visit.patient
        home = self.planner.composer.renderer.language(
            visit.hospital.language if visit.hospital else None)
        # A patient with a phone from abroad reads English, as on their link's page.
        return language_for(patient.phone, self.settings.phone_region, home) \
            if patient.phone else home

    def _plan(self, template: str, state: Appointment, send_after: datetime,
              suppressed: frozenset[str]) -> None:
        """Messages for each channel the patient has; one the patient said no to (no
        consent, opted out in ``suppressed``, unreachable) is kept as suppressed."""
        visit, session, now, composer = self.visit, self.session, self.now, self.planner.composer
        patient, language = visit.patient, self.language
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
            composed = composer.compose(session, visit, template, channel, language,
                                        state.ics_sequence, now)
            failed = composed.unfillable if not why_not else None
            if failed:  # the vendor would refuse it: logged as failed, never handed over
                log.warning("message for appointment %s (%s %s) cannot be filled: %s",
                            visit.appointment_id, channel, template, failed)
            append_row(session, MESSAGES, dict(
                event_id=self.event.id, event_type=self.event.type, patient_id=patient.id,
                appointment_id=visit.appointment_id, channel=channel, template=template,
                language=language, recipient=recipient, subject=composed.subject,
                body=composed.body, segments=composed.segments, ics=composed.ics,
                sms_call=composed.sms_call,
                facts=None if why_not or failed else composer.kept(self.kept,
                                                                   state.ics_sequence),
                status=MessageStatus.SUPPRESSED if why_not
                else MessageStatus.FAILED if failed else MessageStatus.QUEUED,
                reason=why_not or (failed and "cannot be filled"), last_error=failed,
                send_after=send_after, created_at=now, updated_at=now, attempts=0,
                trace_context=current_traceparent()))
            if not why_not and not failed and send_after <= now:
                session.info[DUE_NOW] = True


#: A batch's appointments as notify knew them when it began (:func:`remember_states`):
#: the ids asked for and the rows found, with the rows the batch has added since.
_BATCH_STATES = "notify_appointments_of_the_batch"
_STATES_OF = select(Appointment).where(
    Appointment.id.in_(bindparam("ids", expanding=True)))


def remember_states(session: Session, events: list[Event]) -> None:
    """Read every appointment a batch of events tells of in one query (the consumer's
    ``before_batch``), instead of one per event; kept for the batch's transaction only,
    as fresh as a look per event would be within it."""
    ids = {data["appointment_id"] for data in (event.data for event in events)
           if isinstance(data, dict) and isinstance(data.get("appointment_id"), int)}
    found = {row.id: row for row in session.scalars(_STATES_OF, {"ids": sorted(ids)})} \
        if ids else {}
    session.info[_BATCH_STATES] = (frozenset(ids), found)


def _state(session: Session, appointment_id: int) -> Appointment | None:
    """Notify's row for the appointment: from the batch's look when it asked for it."""
    known = session.info.get(_BATCH_STATES)
    if known is not None and appointment_id in known[0]:
        return known[1].get(appointment_id)
    return session.get(Appointment, appointment_id)


def _known_now(session: Session, state: Appointment) -> None:
    """A row the batch added: the batch's next event about it finds it."""
    known = session.info.get(_BATCH_STATES)
    if known is not None:
        known[1][state.id] = state


def withdraw_reminders(session: Session, appointment_id: int, now: datetime,
                       reason: str) -> int:
    """A cancelled or moved appointment's pending reminder never fires."""
    return changed(session, update(Message).where(
        Message.appointment_id == appointment_id, Message.template == "reminder",
        Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED, reason=reason, updated_at=now, facts=None)
        .execution_options(synchronize_session=False))
