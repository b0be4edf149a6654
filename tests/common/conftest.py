"""The bus tests' tiny service, on the broker and the database under test."""

from __future__ import annotations

import pytest

from tests.support.bus import BusApp


@pytest.fixture
def app(broker, database_url) -> BusApp:
    return BusApp(database_url, broker.url, broker.bus_dir)
