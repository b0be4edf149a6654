"""Whether an SMS provider is taking messages, judged by the sender from its answers.

Each message used to retry on its own clock (5 s, 10 s, 20 s, 40 s …), so after a 28 s
outage a confirmation could wait another 40 s for its turn while the provider was long
back (issue 34). The provider's health is one clock for all of them instead:

    up --N transient failures in a row--> down --probe due--> probing
    probing --the probe answers--> up       (every waiting message is due at once)
    probing --the probe fails------> down   (the next probe ``probe_seconds`` later)
    probing --no answer in ``probe_lost_seconds``--> another probe

A probe's round can end without an answer to judge: its claim ran out before its turn,
the database went away between the claim and the hand-over, the patient opted out. Such
a probe is lost, not failed; without the last line the sender stayed ``probing`` for
good and sent nothing more until it restarted.

While it is down nothing is handed over but a probe every ``probe_seconds``. Throttling
is not an outage: it pauses every hand-over for the provider's wait and halves the rate,
which climbs back with each message taken. Times are seconds (any one clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Health(StrEnum):
    UP = "up"
    DOWN = "down"
    PROBING = "probing"


class Turn(StrEnum):
    """What the sender may do now with this provider's messages."""

    SEND = "send"  # hand over what is due, at the rate
    PROBE = "probe"  # ask once whether the provider is back
    HOLD = "hold"  # hand over nothing (down between probes, or paused by throttling)


@dataclass(frozen=True)
class HealthRules:
    down_after: int = 3  # transient failures in a row that mean "down"
    probe_seconds: float = 2.0  # between probes while down
    rate: float = 50.0  # messages a second at most (the provider's allowance)
    throttle_seconds: float = 1.0  # the pause when a throttling answer names no wait
    least_rate: float = 1.0  # throttling halves the rate down to this, never lower
    #: A probe not answered by then was lost (longer than any provider's send timeout).
    probe_lost_seconds: float = 15.0


class ProviderHealth:
    """One provider's state in one sender. Not thread-safe: the sender holds a lock."""

    def __init__(self, rules: HealthRules) -> None:
        self.rules = rules
        self.state = Health.UP
        self.failures = 0  # transient failures in a row
        self.next_probe = 0.0
        self.paused_until = 0.0
        self.rate = rules.rate
        self._confirmed = False  # a send has succeeded since this sender started
        self.probe_lost_at = 0.0  # while probing: when the probe out is taken as lost

    def turn(self, now: float) -> Turn:
        """What may happen now. A due probe moves ``down`` to ``probing``: one probe is out
        at a time, and its outcome (:meth:`succeeded` / :meth:`failed`) settles the state;
        a probe with no outcome after ``probe_lost_seconds`` is lost, and another goes."""
        if ((self.state is Health.DOWN and now >= self.next_probe)
                or (self.state is Health.PROBING and now >= self.probe_lost_at)):
            self.state = Health.PROBING
            self.probe_lost_at = now + self.rules.probe_lost_seconds
            return Turn.PROBE
        if self.state is not Health.UP or now < self.paused_until:
            return Turn.HOLD
        return Turn.SEND

    def may_hand_over(self, now: float, probe: bool = False) -> bool:
        """Whether a message already claimed may go now: not while down or paused, unless
        it is the probe itself."""
        if probe:
            return self.state is Health.PROBING
        return self.state is Health.UP and now >= self.paused_until

    def nothing_to_probe(self, now: float) -> None:
        """A probe was due but nothing waits to probe with: still down, asked again at
        the next look (the next message to wait is the probe)."""
        if self.state is Health.PROBING:
            self.state, self.next_probe = Health.DOWN, now

    def succeeded(self, now: float) -> bool:
        """The provider took a message (or answered a probe). True when it is back from
        down, or this is the first success since the sender started (messages an earlier
        sender left waiting for the provider are then due at once)."""
        recovered = self.state is not Health.UP or not self._confirmed
        self.state, self.failures, self._confirmed = Health.UP, 0, True
        self.rate = min(self.rules.rate, self.rate + self.rules.rate / 20)
        return recovered

    def failed(self, now: float) -> None:
        """A transient failure that is the provider's (5xx, no connection, no answer)."""
        self.failures += 1
        if self.state is Health.PROBING or (self.state is Health.UP
                                            and self.failures >= self.rules.down_after):
            self.state = Health.DOWN
            self.next_probe = now + self.rules.probe_seconds
        elif self.state is Health.DOWN:
            self.next_probe = max(self.next_probe, now + self.rules.probe_seconds)

    def throttled(self, now: float, wait: float | None) -> bool:
        """The provider asked to slow down: every hand-over waits ``wait`` seconds (or the
        rules' pause, until :attr:`paused_until`) and the rate halves. True when this
        answered a probe: the provider is back (busy, not down)."""
        pause = wait if wait and wait > 0 else self.rules.throttle_seconds
        self.paused_until = max(self.paused_until, now + pause)
        self.rate = max(self.rules.least_rate, self.rate / 2)
        back = self.state is not Health.UP
        self.state, self.failures = Health.UP, 0
        return back


class Pace:
    """Spaces hand-overs ``1/rate`` seconds apart, whichever thread asks."""

    def __init__(self) -> None:
        self.next_free = 0.0

    def wait(self, now: float) -> float:
        """Seconds until the next place is free (none taken)."""
        return max(self.next_free - now, 0.0)

    def reserve(self, now: float, rate: float) -> float:
        """Seconds to wait before the next hand-over; the slot is taken."""
        at = max(now, self.next_free)
        self.next_free = at + 1.0 / rate
        return at - now
