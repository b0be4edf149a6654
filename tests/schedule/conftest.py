"""Schedule fixtures: an app on this test's files, an admin client, the staff CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.support.schedule import CHEAP_HASH_COST, Admin


@pytest.fixture
def app(make_app) -> Flask:
    return make_app("schedule")


@pytest.fixture
def admin(app: Flask, auth_header) -> Admin:
    return Admin(app, auth_header("admin"))


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line on this test's folder. At the in-process tests' cheap scrypt cost:
    the demo's eight accounts at production's cost were most of the CLI tests' CPU
    (production's cost is test_auth_api's to check)."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("PASSWORD_HASH_COST", str(CHEAP_HASH_COST))
    return CliRunner()
