"""The SMS provider's health and the pace, step by step with exact numbers: a fresh state,
each edge of a probe and a pause, what a failure, a success and throttling leave behind.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from services.notify.domain.provider_health import (
    Health,
    HealthRules,
    Pace,
    ProviderHealth,
    Turn,
)

#: Numbers a binary fraction holds exactly, so every sum below is exact.
RULES = HealthRules(down_after=3, probe_seconds=2.0, rate=40.0, throttle_seconds=1.5,
                    least_rate=5.0)


def state(health: ProviderHealth) -> tuple[Health, int, float, float, float]:
    return health.state, health.failures, health.next_probe, health.paused_until, health.rate


def down(at: float = 10.0) -> ProviderHealth:
    health = ProviderHealth(RULES)
    for _ in range(RULES.down_after):
        health.failed(at)
    assert health.state is Health.DOWN
    return health


# -- a fresh provider -----------------------------------------------------------------


def test_a_fresh_provider_is_up_at_the_full_rate_and_sends_at_once() -> None:
    health = ProviderHealth(RULES)
    assert state(health) == (Health.UP, 0, 0.0, 0.0, 40.0)
    assert health.turn(0.0) is Turn.SEND and health.turn(0.5) is Turn.SEND
    assert health.may_hand_over(0.0) is True and health.may_hand_over(0.5) is True
    assert health.may_hand_over(0.0, probe=True) is False, "no probe while up"


def test_the_rate_is_the_rules_allowance() -> None:
    assert ProviderHealth(HealthRules(rate=12.0)).rate == 12.0


# -- failures -------------------------------------------------------------------------


def test_failures_count_one_each_and_the_nth_takes_it_down() -> None:
    health = ProviderHealth(RULES)
    health.failed(1.0)
    assert state(health) == (Health.UP, 1, 0.0, 0.0, 40.0)
    health.failed(2.0)
    assert state(health) == (Health.UP, 2, 0.0, 0.0, 40.0)
    health.failed(3.0)
    assert state(health) == (Health.DOWN, 3, 5.0, 0.0, 40.0)


def test_one_failure_is_down_when_the_rules_say_one() -> None:
    health = ProviderHealth(HealthRules(down_after=1, probe_seconds=4.0))
    health.failed(1.0)
    assert health.state is Health.DOWN and health.next_probe == 5.0


def test_while_down_a_probe_is_due_exactly_probe_seconds_later() -> None:
    health = down(10.0)
    assert health.turn(11.75) is Turn.HOLD and health.state is Health.DOWN
    assert health.may_hand_over(11.75) is False
    assert health.may_hand_over(11.75, probe=True) is False
    assert health.turn(12.0) is Turn.PROBE and health.state is Health.PROBING
    assert health.may_hand_over(12.0, probe=True) is True
    assert health.may_hand_over(12.0) is False, "only the probe goes"
    assert health.turn(12.0) is Turn.HOLD


def test_a_failed_probe_is_down_again_until_the_next_probe() -> None:
    health = down(10.0)
    assert health.turn(12.0) is Turn.PROBE
    health.failed(12.5)
    assert state(health) == (Health.DOWN, 4, 14.5, 0.0, 40.0)
    assert health.turn(14.25) is Turn.HOLD and health.turn(14.5) is Turn.PROBE


def test_a_late_failure_while_down_moves_the_probe_later_never_earlier() -> None:
    health = down(10.0)
    health.failed(11.0)
    assert state(health) == (Health.DOWN, 4, 13.0, 0.0, 40.0)
    health.failed(10.5)  # an answer that took its time: the probe stays at 13
    assert state(health) == (Health.DOWN, 5, 13.0, 0.0, 40.0)


def test_a_probe_due_with_nothing_to_probe_with() -> None:
    health = down(10.0)
    assert health.turn(12.0) is Turn.PROBE
    health.nothing_to_probe(13.5)
    assert state(health) == (Health.DOWN, 3, 13.5, 0.0, 40.0)
    assert health.turn(13.5) is Turn.PROBE


def test_nothing_to_probe_changes_nothing_unless_probing() -> None:
    health = down(10.0)
    health.nothing_to_probe(11.0)
    assert state(health) == (Health.DOWN, 3, 12.0, 0.0, 40.0)
    up = ProviderHealth(RULES)
    up.nothing_to_probe(3.0)
    assert state(up) == (Health.UP, 0, 0.0, 0.0, 40.0)


# -- successes ------------------------------------------------------------------------


def test_a_success_clears_the_failures_and_says_whether_it_came_back() -> None:
    health = ProviderHealth(RULES)
    assert health.succeeded(0.0) is True, "the first success of this sender"
    health.failed(1.0)
    health.failed(2.0)
    assert health.succeeded(3.0) is False
    assert state(health) == (Health.UP, 0, 0.0, 0.0, 40.0)
    health.failed(4.0)
    health.failed(5.0)
    assert health.state is Health.UP, "two in a row again, not four"


def test_a_probe_answered_is_back() -> None:
    health = down(10.0)
    health.succeeded(10.5)  # a message handed over before: the provider took it
    assert state(health) == (Health.UP, 0, 12.0, 0.0, 40.0)
    again = down(10.0)
    again.succeeded(9.0)
    assert again.succeeded(10.0) is False
    third = down(10.0)
    third._confirmed = True  # an earlier success of this sender
    assert third.turn(12.0) is Turn.PROBE
    assert third.succeeded(12.0) is True and third.turn(12.0) is Turn.SEND


def test_each_success_gives_back_a_twentieth_of_the_allowance_up_to_it() -> None:
    health = ProviderHealth(RULES)
    health.throttled(0.0, 1.0)
    health.throttled(1.0, 1.0)
    assert health.rate == 10.0
    health.succeeded(2.0)
    assert health.rate == 12.0
    health.succeeded(2.0)
    assert health.rate == 14.0
    for _ in range(12):
        health.succeeded(3.0)
    assert health.rate == 38.0
    health.succeeded(3.0)
    assert health.rate == 40.0
    health.succeeded(3.0)
    assert health.rate == 40.0, "never above the allowance"


# -- throttling -----------------------------------------------------------------------


def test_throttling_pauses_for_the_wait_named_and_halves_the_rate() -> None:
    health = ProviderHealth(RULES)
    assert health.throttled(4.0, 2.5) is False
    assert state(health) == (Health.UP, 0, 0.0, 6.5, 20.0)
    assert health.turn(6.25) is Turn.HOLD and health.may_hand_over(6.25) is False
    assert health.turn(6.5) is Turn.SEND and health.may_hand_over(6.5) is True


def test_a_wait_of_nothing_or_less_is_the_rules_pause() -> None:
    for wait in (None, 0.0, -3.0):
        health = ProviderHealth(RULES)
        health.throttled(4.0, wait)
        assert health.paused_until == 5.5, wait
    short = ProviderHealth(RULES)
    short.throttled(4.0, 0.25)
    assert short.paused_until == 4.25, "a short wait named is the provider's"


def test_a_pause_is_never_shortened_and_the_rate_never_below_the_least() -> None:
    health = ProviderHealth(RULES)
    health.throttled(0.0, 8.0)
    health.throttled(1.0, 2.0)
    assert health.paused_until == 8.0 and health.rate == 10.0
    health.throttled(7.0, 2.0)
    assert health.paused_until == 9.0 and health.rate == 5.0
    health.throttled(8.0, 2.0)
    assert health.rate == 5.0


def test_throttling_clears_the_failures_and_answers_a_probe() -> None:
    health = ProviderHealth(RULES)
    health.failed(0.0)
    health.failed(0.5)
    assert health.throttled(1.0, 1.0) is False
    assert health.failures == 0
    health.failed(2.5)
    health.failed(3.0)
    assert health.state is Health.UP
    probed = down(10.0)
    assert probed.turn(12.0) is Turn.PROBE
    assert probed.throttled(12.0, 1.0) is True
    assert state(probed) == (Health.UP, 0, 12.0, 13.0, 20.0)
    still_down = down(10.0)
    assert still_down.throttled(11.0, 1.0) is True, "down, then busy: back"


# -- the pace -------------------------------------------------------------------------


def test_a_fresh_pace_owes_nothing() -> None:
    pace = Pace()
    assert pace.next_free == 0.0
    assert pace.wait(0.0) == 0.0 and pace.wait(0.5) == 0.0
    assert pace.reserve(0.5, 4.0) == 0.0
    assert pace.next_free == 0.75


def test_the_pace_spaces_hand_overs_one_over_the_rate() -> None:
    pace = Pace()
    assert pace.reserve(100.0, 4.0) == 0.0 and pace.next_free == 100.25
    assert pace.wait(100.0) == 0.25 and pace.wait(100.125) == 0.125
    assert pace.wait(100.25) == 0.0 and pace.wait(101.0) == 0.0
    assert pace.reserve(100.0, 4.0) == 0.25 and pace.next_free == 100.5
    assert pace.reserve(100.125, 2.0) == 0.375 and pace.next_free == 101.0
    assert pace.reserve(102.0, 8.0) == 0.0 and pace.next_free == 102.125
