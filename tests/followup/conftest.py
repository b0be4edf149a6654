"""Followup fixtures: an app on this test's files at 10:00 hospital time, its event feed,
consultants."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from services.common.clock import MovableClock
from tests.support.followup import Caller, Feed

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> MovableClock:
    """A Tuesday, 10:00 in Shanghai: inside calling hours."""
    clock = MovableClock()
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))
    return clock


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, make_app) -> Flask:
    """Every followup test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return make_app("followup")
    return make_app("followup", database_url=request.getfixturevalue("pg_url"))


@pytest.fixture
def feed(app: Flask) -> Feed:
    return Feed(app)


@pytest.fixture
def li(app: Flask) -> Caller:
    return Caller(app, "li")


@pytest.fixture
def wang(app: Flask) -> Caller:
    return Caller(app, "wang")
