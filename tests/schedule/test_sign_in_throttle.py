"""Sign-in is slowed, never locked for everyone (SPEC §11, issue 28 item 8).

One account's failures delay that account's next try — 429 with ``Retry-After``, 30 s
after the fifth, doubling, at most 15 minutes, even for the right password — and a
success starts its count again. An address is only limited by a much higher count (100
failures in 15 minutes), so a colleague behind the same router still signs in. Counting
is race-free: 60 parallel wrong passwords check at most 5.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import requests

from services.schedule.domain import sign_in as rule
from tests.schedule.serving import Counted, race, served
from tests.support.schedule import Admin

PASSWORD = "zhous-password"


def token(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def make_member(admin: Admin, username: str, roles: tuple[str, ...] = ("consultant",)) -> None:
    created = admin.post("/api/v1/staff", json={"username": username, "roles": list(roles),
                                                "password": PASSWORD})
    assert created.status_code == 201, created.json


@pytest.fixture
def zhou(admin) -> Admin:
    make_member(admin, "zhou")
    make_member(admin, "wu")
    return admin


# --- the rule -----------------------------------------------------------------------------

@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (1, 0), (4, 0), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900),
    (11, 900), (60, 900), (10**6, 900)])
def test_the_delay_doubles_from_thirty_seconds_after_five_failures_to_fifteen_minutes(
        failures: int, seconds: int) -> None:
    assert rule.account_delay(failures) == timedelta(seconds=seconds)


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert rule.retry_after(None, now) == 0
    assert rule.retry_after(now, now) == 0
    assert rule.retry_after(now - timedelta(seconds=5), now) == 0
    assert rule.retry_after(now + timedelta(seconds=29, milliseconds=1), now) == 30
    assert rule.retry_after(now + timedelta(seconds=30), now) == 30


def test_an_accounts_count_is_forgotten_an_hour_after_its_last_failure() -> None:
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert rule.account_forgotten(None, now)
    assert not rule.account_forgotten(now - timedelta(minutes=59), now)
    assert rule.account_forgotten(now - timedelta(hours=1), now)


def test_an_address_waits_only_after_a_hundred_failures_in_its_window() -> None:
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert not rule.address_blocked(99) and rule.address_blocked(100)
    assert rule.address_blocked(10, limit=10)
    assert not rule.address_window_over(now - timedelta(minutes=14), now)
    assert rule.address_window_over(now - timedelta(minutes=15), now)


# --- the API ------------------------------------------------------------------------------

def test_an_account_waits_thirty_seconds_after_five_failures_then_doubling_to_fifteen_minutes(
        app, zhou, clock) -> None:
    client = app.test_client()
    for _ in range(5):
        assert token(client, "zhou", "wrong").status_code == 401
    waits = []
    for _ in range(7):
        refused = token(client, "zhou", PASSWORD)
        assert refused.status_code == 429, "even the right password waits"
        waits.append(int(refused.headers["Retry-After"]))
        assert token(client, "zhou", PASSWORD, address="10.9.9.9").status_code == 429, \
            "the account waits, whichever address asks"
        clock.advance(timedelta(seconds=waits[-1]))
        assert token(client, "zhou", "wrong").status_code == 401, "checked after the wait"
    # The test clock runs on with real time between two requests: on a loaded machine a
    # second may pass, so a wait may read one second short (899), never longer.
    expected = [30, 60, 120, 240, 480, 900, 900]
    assert all(want - 2 <= got <= want for got, want in zip(waits, expected, strict=True)), waits
    assert token(client, "wu", PASSWORD).status_code == 200, \
        "a colleague at the same address signs in meanwhile"


def test_a_success_starts_the_accounts_count_again(app, zhou, clock) -> None:
    client = app.test_client()
    for _ in range(5):
        assert token(client, "zhou", "wrong").status_code == 401
    clock.advance(timedelta(seconds=30))
    assert token(client, "zhou", PASSWORD).status_code == 200
    for _ in range(4):
        assert token(client, "zhou", "wrong").status_code == 401
    assert token(client, "zhou", PASSWORD).status_code == 200, "four failures are free again"


def test_nobody_locks_out_a_colleague_at_the_same_address(app, zhou) -> None:
    """The attack: five wrong passwords from the call centre's address locked every
    account behind it for 15 minutes."""
    client = app.test_client()
    for _ in range(5):
        assert token(client, "zhou", "guess").status_code == 401
    assert token(client, "zhou", PASSWORD).status_code == 429
    assert token(client, "wu", PASSWORD).status_code == 200


def test_an_address_waits_after_a_hundred_failures_across_accounts(app, zhou, clock) -> None:
    client = app.test_client()
    for n in range(99):
        assert token(client, f"nobody{n}", "guess", address="10.0.0.7").status_code == 401
    assert token(client, "wu", PASSWORD, address="10.0.0.7").status_code == 200, \
        "99 failures: the address still signs in (a success is not a failure)"
    assert token(client, "nobody99", "guess", address="10.0.0.7").status_code == 401
    refused = token(client, "zhou", PASSWORD, address="10.0.0.7")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 900
    assert token(client, "zhou", PASSWORD, address="10.0.0.8").status_code == 200, \
        "only that address waits"
    clock.advance(timedelta(minutes=15))
    assert token(client, "zhou", PASSWORD, address="10.0.0.7").status_code == 200, \
        "and not for ever"


def test_the_address_limit_is_configurable(make_app, auth_header) -> None:
    app = make_app("schedule", sign_in_address_failures=3, sign_in_address_minutes=5)
    make_member(Admin(app, auth_header("admin")), "zhou")
    client = app.test_client()
    for n in range(3):
        assert token(client, f"nobody{n}", "guess").status_code == 401
    refused = token(client, "zhou", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 300


def test_the_login_page_says_how_long_to_wait(app, zhou) -> None:
    client = app.test_client()
    client.get("/login")
    csrf = client.get_cookie("clinic_csrf").value
    for _ in range(6):
        page = client.post("/login", data={"username": "zhou", "password": "x",
                                           "csrf_token": csrf})
    assert page.status_code == 429 and page.headers["Retry-After"] == "30"
    assert "请 30 秒后再试" in page.get_data(as_text=True)


# --- the race -----------------------------------------------------------------------------

@pytest.mark.slow
def test_sixty_parallel_wrong_passwords_check_at_most_five(make_app, database_url,
                                                           auth_header, monkeypatch) -> None:
    """The attack: 60 wrong passwords at once had 12 checked before the delay applied."""
    from services.schedule.ops import sign_in as ops

    app = make_app("schedule", database_url=database_url)
    make_member(Admin(app, auth_header("admin")), "zhou")
    checks = Counted(ops.password_matches)
    monkeypatch.setattr(ops, "password_matches", checks)
    with served(app) as base:
        post = partial(requests.post, f"{base}/api/v1/auth/token", timeout=60)
        answers = race([partial(post, json={"username": "zhou", "password": f"guess{n}"})
                        for n in range(60)])
        statuses = Counter(a.status_code for a in answers)
        assert checks.calls <= 5, f"{checks.calls} passwords checked"
        assert statuses == {401: checks.calls, 429: 60 - checks.calls}, statuses
        assert post(json={"username": "zhou", "password": PASSWORD}).status_code == 429
    app.extensions["clinic"].db.dispose()
