"""``clinic-booking dead-letters``: parked events listed and replayed from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from services.booking.cli import cli
from services.booking.config import BookingSettings
from services.booking.models import DeadLetter
from services.common.db import utcnow
from services.common.events import Event
from services.common.service import boot


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return CliRunner()


def park(event: Event) -> int:
    rt = boot(BookingSettings.from_env(), "services.booking:migrations")
    with rt.db.transaction() as session:
        letter = DeadLetter(event_id=event.id, event_type=event.type,
                            queue="clinic.events--booking", body=event.to_json(),
                            error="RuntimeError('boom')", attempts=5, created_at=utcnow())
        session.add(letter)
        session.flush()
        return letter.id


def test_list_and_replay_a_parked_event(runner: CliRunner) -> None:
    assert "no dead letters" in runner.invoke(cli, ["dead-letters", "list"]).output
    event = Event(type="schedule.hospital.updated", data={"name": "x"}, source="schedule")
    letter_id = park(event)
    listed = runner.invoke(cli, ["dead-letters", "list"])
    assert f"{letter_id}\tparked" in listed.output and "RuntimeError" in listed.output
    replayed = runner.invoke(cli, ["dead-letters", "replay", str(letter_id)])
    assert f"{letter_id}: replayed" in replayed.output
    assert "no dead letters" in runner.invoke(cli, ["dead-letters", "list"]).output
    assert "replayed" in runner.invoke(cli, ["dead-letters", "list", "--all"]).output
    again = runner.invoke(cli, ["dead-letters", "replay", str(letter_id)])
    assert "not replayable" in again.output
