"""The sender: claims due messages, hands them to providers, records what happened.

A message is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` and a
lease), so two workers never send the same one; the provider is called outside
any transaction; the outcome is written in another. If a worker dies after the
provider took a message but before the outcome was written, the lease runs out
and the message goes again with the same reference (``msg-<id>``): the dev outbox
and gateways that honour a client reference keep it once. A message whose lease
ran out while it waited its turn in a slow batch is not sent: another worker may
have claimed it by then.

SMS go by the provider's health (``domain/provider_health.py``), one clock for all of
them: after a few transient failures in a row the provider is judged down, nothing but a
probe goes every ``SEND_PROBE_SECONDS``, and when it answers every message that waited
for it is due at once (oldest first), handed over at ``SMS_RATE_PER_SECOND``. Throttling
pauses every hand-over for the provider's wait instead of retrying each message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from opentelemetry.trace import SpanKind
from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from services.common.db import UTCDateTime, changed, is_transient, table_of
from services.common.event_handlers import SYSTEM
from services.common.metrics import MESSAGES
from services.common.runtime import Runtime
from services.common.tracing import span
from services.common.unit_of_work import unit_of_work

from ..config import NotifySettings
from ..domain.provider_health import HealthRules, Pace, ProviderHealth, Turn
from ..domain.statuses import MessageStatus
from ..domain.timing import QuietHours
from ..models import Appointment, Message
from ..providers import Lookup, Outgoing, PermanentError, Provider, Providers, TransientError
from ..providers.base import OUTAGE, THROTTLE, Probe, TemplateCall
from .composing import Composer
from .suppressions import opted_out

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    message_id: int
    outgoing: Outgoing
    attempts: int
    lease_ends: datetime
    in_doubt: bool = False  # an earlier sender may have handed it over before dying
    #: Its recipient opted out since an earlier sender took it: only what the provider
    #: already holds is recorded as sent; nothing is handed over.
    opted_out: bool = False
    #: When an earlier sender began handing it over (a lookup by phone and day needs it).
    handed_at: datetime | None = None
    #: Handed over to ask whether the SMS provider is back (it is judged down).
    probe: bool = False
    #: Its template (confirmation, reminder …): the ``kind`` of ``clinic_messages_total``.
    kind: str = ""
    #: The ``traceparent`` of the handling that planned it: its delivery continues the trace.
    traceparent: str | None = None


def counted(item: Claimed, status: str) -> None:
    """One outcome of handing a message over, for ``clinic_messages_total``."""
    MESSAGES.labels(channel=item.outgoing.channel, kind=item.kind or "other",
                    status=status).inc()


def already_taken(provider: Provider, item: Claimed) -> str | None:
    """For a message an earlier sender may have handed over before it died: the provider's
    id if the provider has it. A provider that cannot tell is sent the message again (its
    own de-duplication by our reference is then the last guard)."""
    if not item.in_doubt or not isinstance(provider, Lookup):
        return None
    return provider.lookup(item.outgoing, item.handed_at)


def backoff(attempts: int, base: float = 5.0) -> timedelta:
    """``base`` seconds, then twice as long each time (5 s, 10 s, 20 s …), at most 10 minutes."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 600))


#: A queued SMS's reason while it waits for its provider to come back (the message log
#: shows it); when the provider answers again, every message with it is due at once.
WAITING = "waiting for the provider"
#: A claim lasts this long until the message is handed over; its lease
#: (``SEND_LEASE_SECONDS``) begins only then. A sender killed with a batch in hand (waiting
#: for its place at the rate) held it for the whole lease, 60 s (the soak of issue 34):
#: another sender now takes such messages within seconds, and none was handed over.
CLAIM_SECONDS = 3.0
#: A thread waiting for its place at the rate looks again this often: the rate may have
#: climbed meanwhile (each message taken raises it after a throttle).
PACE_LOOK_SECONDS = 0.05
#: An idle sender on an SQLite file asks for due messages this often while nothing is
#: committed (``SEND_POLL_SECONDS`` otherwise): what falls due by the clock alone (a
#: message planned for later, a retry's back-off, a lease ending) is found at most this
#: late. A message planned by another process is a commit, seen within the poll's pause;
#: one planned in this process wakes the sender at once. Asking five times a second was
#: most of an idle worker's CPU.
IDLE_POLL_SECONDS = 1.0
#: Which SMS a claim takes: all that are due, none (the provider is down or paused), or
#: the one oldest waiting message as the probe.
ALL_SMS, NO_SMS, PROBE_SMS = "all", "none", "probe"

_MESSAGES = table_of(Message)
#: Built once (it runs for every message sent).
_SENT = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("message_id")).values(
    status=MessageStatus.SENT.value, provider=bindparam("provider"), reason=None,
    provider_id=bindparam("provider_id"), sent_at=bindparam("now", type_=UTCDateTime()),
    last_error=None, claimed_until=None, handed_at=None, facts=None,
    updated_at=bindparam("now", type_=UTCDateTime()))


_WITHDRAWN = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("message_id")).values(
    status=MessageStatus.SUPPRESSED.value, reason="opted out", claimed_until=None,
    handed_at=None, facts=None, updated_at=bindparam("now", type_=UTCDateTime()))


#: About to be handed over: the claim becomes the lease, if it is still this sender's.
_HANDING_OVER = update(_MESSAGES).where(
    _MESSAGES.c.id == bindparam("message_id"),
    _MESSAGES.c.claimed_until == bindparam("claim", type_=UTCDateTime())).values(
    claimed_until=bindparam("lease", type_=UTCDateTime()),
    handed_at=bindparam("now", type_=UTCDateTime()))
#: Claimed but not handed over (the provider went down or paused meanwhile): the claim is
#: given back as if it had not been made, the attempt too.
_GIVEN_BACK = update(_MESSAGES).where(
    _MESSAGES.c.id == bindparam("message_id"),
    _MESSAGES.c.claimed_until == bindparam("lease", type_=UTCDateTime())).values(
    claimed_until=None, handed_at=bindparam("handed_at", type_=UTCDateTime()),
    attempts=_MESSAGES.c.attempts - 1, reason=WAITING,
    send_after=bindparam("after", type_=UTCDateTime()),
    updated_at=bindparam("now", type_=UTCDateTime()))
#: The provider is back: what waited for it is due now.
_RELEASED = update(_MESSAGES).where(
    _MESSAGES.c.status == MessageStatus.QUEUED.value, _MESSAGES.c.channel == "sms",
    _MESSAGES.c.reason == WAITING,
    _MESSAGES.c.send_after > bindparam("now", type_=UTCDateTime())).values(
    send_after=bindparam("now", type_=UTCDateTime()))


def _stamp(at: datetime) -> float:
    return at.timestamp()


def _at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def _outgoing(row: Message) -> Outgoing:
    return Outgoing(ref=f"msg-{row.id}", channel=row.channel, to=row.recipient, body=row.body,
                    subject=row.subject, ics=row.ics,
                    ics_method="CANCEL" if row.template == "cancellation" else "REQUEST",
                    template=template_call(row.sms_call))


def _withdraw(row: Message, now: datetime) -> None:
    """The recipient opted out after this was planned: it is not sent (nor kept to render)."""
    log.info("message %s: its recipient opted out since it was planned; not sent", row.id)
    row.status, row.reason, row.facts = MessageStatus.SUPPRESSED, "opted out", None
    row.claimed_until, row.updated_at = None, now


def template_call(stored: str | None) -> TemplateCall | None:
    """The registered template call a message keeps (``Message.sms_call``), for a template
    provider; None for a plain-text one (its call names no code)."""
    if not stored:
        return None
    call = json.loads(stored)
    if not call.get("code"):
        return None
    return TemplateCall(code=call["code"], sign_name=call["sign_name"],
                        params=tuple((name, value) for name, value in call["params"]))


def _unfillable(row: Message, why: str, now: datetime) -> None:
    """The hospital's facts changed so that the vendor would refuse this message (an address
    over the variable limit): it fails now, with the reason, instead of at the vendor."""
    log.warning("message %s cannot be filled: %s", row.id, why)
    row.status, row.reason, row.last_error = MessageStatus.FAILED, "cannot be filled", why
    row.facts, row.claimed_until, row.updated_at = None, None, now


#: A probe that is not a message, as the health judges its failure.
_PROBING = Claimed(0, Outgoing("probe", "sms", "", ""), 0, datetime.min.replace(tzinfo=UTC))


class Sender:
    """Sends what is due in one runtime: its database, clock and hospital's facts.

    A claim is a unit of work at the system's desk, which gives it the hospital's facts
    and zone, read afresh (a text about to be handed over says today's address). Each
    outcome is one statement in its own short transaction: it needs no desk.
    """

    def __init__(self, rt: Runtime[NotifySettings], providers: Providers) -> None:
        self.rt = rt
        self.db = rt.db
        self.settings = rt.settings
        self.providers = providers
        self.clock = rt.clock
        self.quiet = QuietHours(rt.settings.quiet_start, rt.settings.quiet_end)
        self.composer = Composer(rt.settings)
        self._due = threading.Event()
        self._watch = rt.db.commit_watch()  # None on PostgreSQL: it polls at its pace
        self._threads: ThreadPoolExecutor | None = None
        self.health = ProviderHealth(HealthRules(
            down_after=rt.settings.send_down_after_failures,
            probe_seconds=rt.settings.send_probe_seconds,
            rate=rt.settings.sms_rate_per_second))
        self.pace = Pace()
        self._health_lock = threading.Lock()  # the sending threads share one health
        #: A round's sent outcomes, written together when the round ends (None outside a
        #: round: :meth:`deliver` called alone writes its outcome at once).
        self._sent: list[tuple[Claimed, dict[str, object]]] | None = None
        self._sent_lock = threading.Lock()

    def wake(self) -> None:
        """Something is due now: the next round starts at once, not after the poll's pause."""
        self._due.set()

    def claim(self, now: datetime | None = None, sms: str = ALL_SMS) -> list[Claimed]:
        """Take what is due (``sms``: :data:`ALL_SMS`, :data:`NO_SMS`, or :data:`PROBE_SMS`,
        only the oldest SMS waiting for the provider, due or not)."""
        now = now or self.clock.now()
        claimed = []
        lease_ends = now + timedelta(seconds=CLAIM_SECONDS)  # until handed over
        with unit_of_work(self.rt, SYSTEM, now=now, fresh_hospital=True) as work:
            session, hospital, zone = work.session, work.desk.hospital, work.desk.zone
            rows = session.scalars(
                self._due_rows(now, sms).with_for_update(skip_locked=True)).all()
            withdrawn = opted_out(session, {(row.channel, row.recipient) for row in rows})
            for row in rows:
                in_doubt, earlier_hand = row.handed_at is not None, row.handed_at
                stop = (row.channel, row.recipient) in withdrawn
                if stop and not in_doubt:
                    _withdraw(row, now)
                    continue
                if row.template == "reminder" and not self._reminder_still_due(session, row,
                                                                               now, zone):
                    continue
                if not in_doubt:  # what a provider may already hold is never changed
                    unfillable = self.composer.again(session, row, now, hospital)
                    if unfillable:
                        _unfillable(row, unfillable, now)
                        continue
                row.claimed_until = lease_ends
                row.attempts += 1
                row.updated_at = now
                claimed.append(Claimed(row.id, _outgoing(row), row.attempts, lease_ends,
                                       in_doubt, opted_out=stop, handed_at=earlier_hand,
                                       probe=sms == PROBE_SMS, kind=row.template,
                                       traceparent=row.trace_context))
        return claimed

    def _due_rows(self, now: datetime, sms: str) -> Select[Message]:
        free = or_(Message.claimed_until.is_(None), Message.claimed_until < now)
        query = select(Message).where(Message.status == MessageStatus.QUEUED, free)
        if sms == PROBE_SMS:
            return query.where(Message.channel == "sms", or_(
                Message.send_after <= now, Message.reason == WAITING)).order_by(
                Message.send_after, Message.id).limit(1)
        query = query.where(Message.send_after <= now)
        if sms == NO_SMS:
            query = query.where(Message.channel != "sms")
        return query.order_by(Message.send_after, Message.id).limit(
            self.settings.send_batch_size)

    def _reminder_still_due(self, session: Session, row: Message, now: datetime,
                            zone: ZoneInfo) -> bool:
        state = session.get(Appointment, row.appointment_id)
        if state is None or state.status != "booked" or state.start_at <= now:
            row.facts = None
            row.status, row.reason, row.updated_at = (MessageStatus.CANCELLED, "no longer booked",
                                                      now)
            return False
        allowed = self.quiet.next_allowed(now, zone)
        if allowed > now:
            row.send_after, row.updated_at = allowed, now  # quiet hours: wait till they end
            return False
        return True

    def deliver(self, item: Claimed) -> str:
        """Hand one claimed message to its provider and record the outcome, in a span that
        continues the trace of the event that planned it."""
        with span(f"send {item.outgoing.channel} {item.kind}", parent=item.traceparent,
                  attributes={"clinic.message.id": item.message_id}):
            return self._deliver(item)

    def _deliver(self, item: Claimed) -> str:
        if item.outgoing.channel == "sms" and not self._my_turn(item):
            return self._give_back(item)
        handed = self._handing_over(item) if self.clock.now() < item.lease_ends else None
        if handed is None:
            log.info("message %s: its claim ran out before its turn; left for the next claim",
                     item.message_id)
            return MessageStatus.QUEUED
        item = handed
        provider = self.providers.for_channel(item.outgoing.channel)
        try:
            if provider is None:
                raise PermanentError(f"no {item.outgoing.channel} provider is configured")
            known = already_taken(provider, item)
            if known is not None:
                log.info("message %s: the provider already had it (a sender stopped after "
                         "handing it over); not sent again", item.message_id)
                return self._record(item, provider, provider_id=known)
            if item.opted_out:
                return self._record_withdrawn(item)
            with span(f"provider {getattr(provider, 'name', 'unknown')} send",
                      kind=SpanKind.CLIENT):
                provider_id = provider.send(item.outgoing)
        except TransientError as exc:
            self._judge(item, exc)
            return self._record(item, provider, error=str(exc), permanent=False,
                                in_doubt=exc.in_doubt or item.in_doubt,
                                retry_after=exc.retry_after, kind=exc.kind)
        except PermanentError as exc:
            return self._record(item, provider, error=str(exc), permanent=True)
        except Exception as exc:
            log.exception("provider failed unexpectedly for message %s", item.message_id)
            return self._record(item, provider, error=f"{type(exc).__name__}", permanent=False)
        return self._record(item, provider, provider_id=provider_id)

    def _record(self, item: Claimed, provider: object, *, provider_id: str | None = None,
                error: str | None = None, permanent: bool = False, in_doubt: bool = False,
                retry_after: float | None = None, kind: str | None = None) -> str:
        """``in_doubt``: the provider may hold the message (no answer came, or it was in
        doubt and could not be looked up): ``handed_at`` stays, so the next claim asks the
        provider before sending again. ``retry_after``: the provider's least wait.
        ``kind``: a transient failure's (``TransientError.kind``): an outage's message waits
        for the provider (``WAITING``), a throttled one for the provider's wait only."""
        now = self.clock.now()
        if error is None:
            if item.outgoing.channel == "sms":
                self._answered(now)
            return self._record_sent(item, getattr(provider, "name", None), provider_id, now)
        with self.db.transaction() as session:
            row = session.get(Message, item.message_id, with_for_update=True)
            if row is None:
                raise LookupError(f"message {item.message_id} is gone")
            row.provider = getattr(provider, "name", None)
            row.claimed_until = None
            row.updated_at = now
            waits = kind == OUTAGE and item.outgoing.channel == "sms"
            row.reason = WAITING if waits else None
            if permanent or row.attempts >= self.settings.send_max_attempts:
                row.status, row.last_error, row.reason = MessageStatus.FAILED, error, None
            elif kind == THROTTLE:  # the shared pause, not a backoff of its own
                row.last_error = error
                row.send_after = now + timedelta(seconds=retry_after or 1.0)
            else:
                row.last_error = error
                wait = backoff(row.attempts, self.settings.send_retry_base_seconds)
                row.send_after = now + max(wait, timedelta(seconds=retry_after or 0))
            if row.status != MessageStatus.QUEUED or not in_doubt:
                row.handed_at = None
            if row.status != MessageStatus.QUEUED:
                row.facts = None  # given up: nothing is rendered again (least data)
            status = row.status
        log.warning("message %s (%s) attempt %d: %s -> %s", item.message_id,
                    item.outgoing.channel, item.attempts, error, status)
        counted(item, "failed" if status == MessageStatus.FAILED else "retry")
        return status

    # --- the SMS provider's health --------------------------------------------------------

    def _my_turn(self, item: Claimed) -> bool:
        """Whether this claimed SMS may go now (not while the provider is down or paused,
        unless it is the probe), after waiting for its place at the provider's rate. False
        when that place comes after the message's lease.

        A place is taken only when it is free, at the rate of that moment: places reserved
        ahead by each sending thread at a throttled rate (1 a second) kept the rate's climb
        back from counting until all were used, 8 s after a throttle ended (the soak of
        issue 34)."""
        while True:
            with self._health_lock:
                if not self.health.may_hand_over(_stamp(self.clock.now()), item.probe):
                    return False
                wait = self.pace.wait(time.monotonic())
                if wait <= 0:
                    self.pace.reserve(time.monotonic(), self.health.rate)
                    return True
            if self.clock.now() + timedelta(seconds=wait) >= item.lease_ends:
                return False
            time.sleep(min(wait, PACE_LOOK_SECONDS))

    def _judge(self, item: Claimed, exc: TransientError) -> None:
        """A transient SMS failure tells the provider's health: an outage counts towards
        "down", throttling pauses everyone; a failure of this message alone tells nothing."""
        if item.outgoing.channel != "sms":
            return
        now = self.clock.now()
        with self._health_lock:
            if exc.kind == OUTAGE:
                self.health.failed(_stamp(now))
                back = False
            elif exc.kind == THROTTLE:
                back = self.health.throttled(_stamp(now), exc.retry_after)
            else:
                return
            paused_until = _at(self.health.paused_until)
        if back:  # it answered, asking only to wait: what waited is due after the pause
            self._release_waiting(max(now, paused_until))

    def _answered(self, now: datetime) -> None:
        """The SMS provider took a message or answered a probe."""
        with self._health_lock:
            back = self.health.succeeded(_stamp(now))
        if back:
            self._release_waiting(now)

    def _release_waiting(self, at: datetime) -> None:
        """The provider is back: every message that waited for it is due at ``at``, oldest
        first (the claim's order), instead of each on its own backoff."""
        with self.db.transaction() as session:
            released = session.execute(_RELEASED, {"now": at}).rowcount  # type: ignore[attr-defined]
        if released:
            log.info("sms provider back: %d waiting messages are due now", released)
        self._due.set()

    def _handing_over(self, item: Claimed) -> Claimed | None:
        """The claim made the lease, and the hand-over's time written, just before the
        provider is called; None when the claim ran out and another sender may have it."""
        now = self.clock.now()
        lease = now + timedelta(seconds=self.settings.send_lease_seconds)
        with self.db.transaction() as session:
            kept = session.execute(_HANDING_OVER, {"message_id": item.message_id,
                                                   "claim": item.lease_ends, "lease": lease,
                                                   "now": now}).rowcount  # type: ignore[attr-defined]
        return dataclasses.replace(item, lease_ends=lease) if kept else None

    def _give_back(self, item: Claimed) -> str:
        """Not handed over (the provider went down or paused since the claim): the claim and
        its attempt are given back; it waits for the provider with the others."""
        now = self.clock.now()
        with self._health_lock:
            after = max(now, _at(self.health.paused_until))
        with self.db.transaction() as session:
            session.execute(_GIVEN_BACK, {"message_id": item.message_id,
                                          "lease": item.lease_ends, "handed_at": item.handed_at,
                                          "after": after, "now": now})
        return MessageStatus.QUEUED

    def _sms_turn(self, now: datetime) -> str:
        """Which SMS this round claims: all due, none, or one as the probe. A provider that
        can be asked without sending (``Probe``) is asked here instead."""
        with self._health_lock:
            turn = self.health.turn(_stamp(now))
        if turn is Turn.SEND:
            return ALL_SMS
        if turn is Turn.HOLD:
            return NO_SMS
        provider = self.providers.sms
        if not isinstance(provider, Probe):
            return PROBE_SMS
        try:
            if not provider.probe(self._oldest_waiting(now)):
                return PROBE_SMS
        except TransientError as exc:
            self._judge(_PROBING, exc)
            return NO_SMS
        except Exception:
            log.exception("sms provider probe failed unexpectedly")
            self._judge(_PROBING, TransientError("probe failed"))
            return NO_SMS
        self._answered(now)
        return ALL_SMS

    def _oldest_waiting(self, now: datetime) -> Outgoing | None:
        """The SMS a vendor's probe asks about (its number): the oldest one waiting."""
        with self.db.reading() as session:
            row = session.scalars(self._due_rows(now, PROBE_SMS)).first()
            return _outgoing(row) if row is not None else None

    def _record_sent(self, item: Claimed, provider: str | None, provider_id: str | None,
                     now: datetime) -> str:
        """The common outcome in one statement: sent, lease given back, facts dropped. In a
        round of :meth:`send_due`, written with the round's other sent outcomes when it
        ends: one transaction for all, instead of one per message."""
        values: dict[str, object] = {"message_id": item.message_id, "provider": provider,
                                     "provider_id": provider_id, "now": now}
        with self._sent_lock:
            if self._sent is not None:
                self._sent.append((item, values))
                return MessageStatus.SENT
        self._write_one(item, _SENT, **values)
        counted(item, "sent")
        return MessageStatus.SENT

    @contextlib.contextmanager
    def _sent_together(self) -> Iterator[None]:
        """Gather the sent outcomes of the block and write them in one transaction at its
        end, even when it raises: a message handed over is recorded as soon as the round
        is over (until then, as after a crash, its lease and ``handed_at`` keep it from
        going twice)."""
        with self._sent_lock:
            self._sent = []
        try:
            yield
        finally:
            with self._sent_lock:
                sent, self._sent = self._sent or [], None
            if sent:
                with self.db.transaction() as session:
                    session.execute(_SENT, [values for _, values in sent])
                for item, _ in sent:
                    counted(item, "sent")

    def _record_withdrawn(self, item: Claimed) -> str:
        """Not handed over: its recipient opted out, and the provider does not have it (or
        cannot say; then an earlier sender may have sent it before dying)."""
        self._write_one(item, _WITHDRAWN, now=self.clock.now())
        counted(item, "suppressed")
        log.info("message %s: its recipient opted out since it was taken; not sent",
                 item.message_id)
        return MessageStatus.SUPPRESSED

    def _write_one(self, item: Claimed, statement: Executable, **values: object) -> None:
        """One outcome statement for this message, in its own transaction."""
        with self.db.transaction() as session:
            done = changed(session, statement, {"message_id": item.message_id, **values})
        if not done:
            raise LookupError(f"message {item.message_id} is gone")

    def send_due(self, now: datetime | None = None) -> int:
        """Claim what is due and hand it over: one recipient's messages one after the other,
        in the order they were planned (a cancellation never overtakes its confirmation),
        up to ``SEND_CONCURRENCY`` recipients at once (a gateway answers in tens or
        hundreds of milliseconds; one at a time would cap a worker at a few per second).
        SMS go as the provider's health allows (all, none, or one probe)."""
        now = now or self.clock.now()
        sms = self._sms_turn(now)
        claimed = self.claim(now, ALL_SMS if sms == ALL_SMS else NO_SMS)
        if sms == PROBE_SMS:
            probe = self.claim(now, PROBE_SMS)
            claimed += probe
            if not probe:  # nothing waits: nothing to probe with until something does
                with self._health_lock:
                    self.health.nothing_to_probe(_stamp(now))
        by_recipient: dict[tuple[str, str], list[Claimed]] = {}
        for item in claimed:
            by_recipient.setdefault((item.outgoing.channel, item.outgoing.to), []).append(item)
        groups = list(by_recipient.values())
        with self._sent_together():
            if len(groups) > 1 and self.settings.send_concurrency > 1:
                list(self._pool().map(self._deliver_all, groups))
            else:
                for group in groups:
                    self._deliver_all(group)
        return len(claimed)

    def _deliver_all(self, items: list[Claimed]) -> None:
        for item in items:
            self.deliver(item)

    def _pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.settings.send_concurrency,
                                               thread_name_prefix="notify-send")
        return self._threads

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; while the database is away, wait longer each round."""
        pause = self.settings.send_poll_seconds
        while not stop.is_set():
            self._due.clear()  # a wake from here on is for what this round may not see
            self._committed()  # a look before the round: what commits after it, the rest sees
            try:
                sent = self.send_due()
                pause = self.settings.send_poll_seconds
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("sender round failed")
                else:
                    log.warning("sender waits for the database: %s", type(exc).__name__)
                sent, pause = 0, min(pause * 2, 5.0)
            if not sent:
                self._rest(stop, pause)
        if self._threads is not None:
            self._threads.shutdown()
        if self._watch is not None:
            self._watch.close()

    def _rest(self, stop: threading.Event, pause: float) -> None:
        """Wait ``pause`` seconds, less when woken or stopped (looked at every 0.1 s); on
        an SQLite file, up to :data:`IDLE_POLL_SECONDS` while nothing is committed."""
        began = time.monotonic()
        end, idle_end = began + pause, began + max(pause, IDLE_POLL_SECONDS)
        while not stop.is_set() and not self._due.is_set():
            now = time.monotonic()
            if now >= idle_end or (now >= end and self._committed()):
                return
            self._due.wait(min((end if now < end else idle_end) - now, 0.1))

    def _committed(self) -> bool:
        """Whether anything was committed to the database since the last look (always
        true on PostgreSQL, which has no watch)."""
        return self._watch is None or self._watch.changed()
