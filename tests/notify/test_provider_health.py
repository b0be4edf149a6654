"""The SMS provider's health as a plain state machine (no database, no Flask): when the
sender hands over, holds, or probes, and what a success, an outage or throttling does."""

from __future__ import annotations

import pytest

from services.notify.domain import provider_health as ph

RULES = ph.HealthRules(down_after=3, probe_seconds=2.0, rate=40.0, throttle_seconds=1.0,
                    least_rate=5.0)


def down_at(now: float) -> ph.ProviderHealth:
    health = ph.ProviderHealth(RULES)
    for _ in range(3):
        health.failed(now)
    return health


def test_it_stays_up_until_the_nth_failure_in_a_row() -> None:
    health = ph.ProviderHealth(RULES)
    health.failed(0.0)
    health.failed(0.1)
    assert health.turn(0.2) is ph.Turn.SEND and health.state is ph.Health.UP
    health.succeeded(0.3)  # a success in between starts the count again
    health.failed(0.4)
    health.failed(0.5)
    assert health.state is ph.Health.UP
    health.failed(0.6)
    assert health.state is ph.Health.DOWN


def test_while_down_only_a_probe_goes_every_probe_seconds() -> None:
    health = down_at(10.0)
    assert health.turn(10.0) is ph.Turn.HOLD
    assert not health.may_hand_over(10.5), "a message claimed before is held too"
    assert health.turn(11.9) is ph.Turn.HOLD
    assert health.turn(12.0) is ph.Turn.PROBE and health.state is ph.Health.PROBING
    assert health.turn(12.1) is ph.Turn.HOLD, "one probe at a time"
    assert health.may_hand_over(12.1, probe=True) and not health.may_hand_over(12.1)
    health.failed(12.2)
    assert health.state is ph.Health.DOWN
    assert not health.may_hand_over(12.3, probe=True), "a probe goes only while probing"
    assert health.turn(14.1) is ph.Turn.HOLD and health.turn(14.2) is ph.Turn.PROBE


def test_a_probe_answered_brings_it_back_and_says_so_once() -> None:
    health = down_at(0.0)
    assert health.turn(2.0) is ph.Turn.PROBE
    assert health.succeeded(2.1) is True, "back: what waited is due now"
    assert health.state is ph.Health.UP and health.turn(2.1) is ph.Turn.SEND
    assert health.succeeded(2.2) is False, "already up"


def test_the_first_success_of_a_new_sender_counts_as_a_return() -> None:
    """Messages an earlier sender left waiting for the provider are due at the first
    success of the next one."""
    health = ph.ProviderHealth(RULES)
    assert health.succeeded(0.0) is True
    assert health.succeeded(0.1) is False


def test_a_later_failure_while_down_pushes_the_next_probe_back() -> None:
    health = down_at(0.0)
    health.failed(1.5)  # a message handed over before it went down fails late
    assert health.turn(2.0) is ph.Turn.HOLD and health.turn(3.5) is ph.Turn.PROBE


def test_throttling_pauses_everyone_for_the_wait_and_halves_the_rate() -> None:
    health = ph.ProviderHealth(RULES)
    assert health.throttled(5.0, 3.0) is False, "it was up: nothing comes back"
    assert health.paused_until == 8.0 and health.rate == 20.0
    assert health.state is ph.Health.UP and health.failures == 0, "throttling is not an outage"
    assert health.turn(7.9) is ph.Turn.HOLD and not health.may_hand_over(7.9)
    assert health.turn(8.0) is ph.Turn.SEND and health.may_hand_over(8.0)
    health.throttled(8.0, None)
    assert health.paused_until == 9.0 and health.rate == 10.0
    health.throttled(9.0, 0.0)
    assert health.paused_until == 10.0, "no wait named: the rules' pause"
    health.throttled(10.0, 0.5)
    assert health.paused_until == 10.5, "a wait under a second is the provider's to name"
    assert health.rate == 5.0, "never below the least rate"


def test_a_shorter_wait_never_shortens_a_longer_pause() -> None:
    health = ph.ProviderHealth(RULES)
    health.throttled(0.0, 30.0)
    health.throttled(1.0, 1.0)
    assert health.paused_until == 30.0


def test_successes_bring_the_rate_back_up_to_the_allowance() -> None:
    health = ph.ProviderHealth(RULES)
    health.throttled(0.0, 1.0)
    assert health.rate == 20.0
    health.succeeded(1.0)
    assert health.rate == 22.0  # one twentieth of the allowance a success
    for n in range(20):
        health.succeeded(2.0 + n)
    assert health.rate == 40.0


def test_a_throttling_answer_to_a_probe_means_back_but_busy() -> None:
    health = down_at(0.0)
    assert health.turn(2.0) is ph.Turn.PROBE
    assert health.throttled(2.0, 4.0) is True
    assert health.state is ph.Health.UP and health.turn(5.9) is ph.Turn.HOLD
    assert health.turn(6.0) is ph.Turn.SEND


def test_nothing_to_probe_with_keeps_it_down_and_asks_at_the_next_look() -> None:
    health = down_at(0.0)
    assert health.turn(2.0) is ph.Turn.PROBE
    health.nothing_to_probe(2.0)
    assert health.state is ph.Health.DOWN and health.turn(2.0) is ph.Turn.PROBE


@pytest.mark.parametrize("rate, asks, last_wait", [(10.0, 5, 0.4), (40.0, 3, 0.05)])
def test_the_pace_spaces_hand_overs_one_over_the_rate(rate: float, asks: int,
                                                      last_wait: float) -> None:
    pace = ph.Pace()
    waits = [pace.reserve(100.0, rate) for _ in range(asks)]
    assert waits[0] == 0.0
    assert waits[-1] == pytest.approx(last_wait)
    assert pace.reserve(100.0 + 10, rate) == 0.0, "an idle pace owes nothing"


def test_a_probe_lost_without_an_answer_is_followed_by_another() -> None:
    """A probe whose round ended with no outcome (its claim ran out, the database went
    away): the sender must not stay probing, sending nothing, until it restarts."""
    health = down_at(10.0)
    assert health.turn(12.0) is ph.Turn.PROBE
    lost = 12.0 + RULES.probe_lost_seconds
    assert health.turn(lost - 0.1) is ph.Turn.HOLD, "the probe may still be out"
    assert health.turn(lost) is ph.Turn.PROBE and health.state is ph.Health.PROBING
    assert health.turn(lost + 0.1) is ph.Turn.HOLD, "still one probe at a time"
    health.succeeded(lost + 1.0)
    assert health.turn(lost + 1.0) is ph.Turn.SEND
