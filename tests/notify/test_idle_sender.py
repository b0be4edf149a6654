"""notify's sender on an SQLite file: idle, it asks for due messages about once a second,
and at once after a commit (a message planned by the worker's consumer or a web process)."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest

from services.notify.ops import sending
from tests.support.bus import Running, wait_until
from tests.support.notify import FlakyProvider, consume, event, facts, messages
from tests.support.sql import statements


def sender_for(app, provider: FlakyProvider) -> sending.Sender:
    return sending.Sender(app.extensions["clinic"], sending.Providers(sms=provider, email=None))


def claims(asked: list[str]) -> list[str]:
    return [s for s in asked if s.lstrip().startswith("SELECT") and "FROM messages" in s]


def test_an_idle_sender_asks_about_once_a_second(app) -> None:
    sender = sender_for(app, FlakyProvider())
    with statements(app.extensions["clinic"].db.engine) as asked, Running(sender.run):
        assert wait_until(lambda: claims(asked), 10), "the first round"
        time.sleep(2.2)  # eleven rounds' time at SEND_POLL_SECONDS
        idle = len(claims(asked))
    assert idle <= 4, asked  # eleven or twelve at the old pace


def test_a_message_committed_elsewhere_goes_without_waiting_for_the_idle_pace(
        app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "IDLE_POLL_SECONDS", 60.0)
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    with statements(app.extensions["clinic"].db.engine) as asked, Running(sender.run):
        assert wait_until(lambda: claims(asked), 10), "the first round"
        consume(app, event("booked", facts()))  # its own connection, as the consumer's
        assert wait_until(lambda: provider.sent, 10), "sent after the commit"
    assert [m.status for m in messages(app, template="confirmation")] == ["sent"]


def test_what_falls_due_by_the_clock_alone_goes_at_the_idle_pace(
        app, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "IDLE_POLL_SECONDS", 0.3)
    consume(app, event("booked", facts()))
    provider = FlakyProvider()
    sender = sender_for(app, provider)
    with Running(sender.run):
        assert wait_until(lambda: len(provider.sent) == 1, 10), "the confirmation"
        [reminder] = messages(app, template="reminder")
        clock.set(reminder.send_after + timedelta(minutes=1))  # no commit: the clock alone
        assert wait_until(lambda: len(provider.sent) == 2, 10), "the reminder, once due"


def test_a_sender_whose_watch_fails_polls_at_its_pace(
        app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "IDLE_POLL_SECONDS", 60.0)
    provider = FlakyProvider()
    sender = sender_for(app, provider)

    def failing() -> int:
        raise sqlite3.OperationalError("disk I/O error")

    assert sender._watch is not None
    monkeypatch.setattr(sender._watch, "_look", failing)
    with Running(sender.run):
        consume(app, event("booked", facts()))
        assert wait_until(lambda: provider.sent, 10), "sent all the same"
