"""Booking fixtures: an app on this test's files, its inventory, staff clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.support.booking import Inventory, Staff, bearer, local_now


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app("booking")


@pytest.fixture
def inv(app: Flask) -> Inventory:
    return Inventory(app)


@pytest.fixture
def staff(app: Flask) -> Callable[..., Staff]:
    def as_(role: str, name: str | None = None) -> Staff:
        return Staff(app, bearer(role, name))

    return as_


@pytest.fixture
def consultant(staff: Callable[..., Staff]) -> Any:
    return staff("consultant", "li")


@pytest.fixture
def frontdesk(staff: Callable[..., Staff]) -> Any:
    return staff("frontdesk", "zhou")


@pytest.fixture
def now_slot(inv: Inventory) -> int:
    """A slot of today that is under way now (booking closed; walk-ins only)."""
    now = local_now()
    start = now.replace(minute=(now.minute // 30) * 30, second=0, microsecond=0)
    return inv.session(start.date(), start.time(), count=1, capacity=2)[0]
