"""Schedule fixtures: an app on this test's files, an admin client."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.schedule import Admin


@pytest.fixture
def app(make_app) -> Flask:
    return make_app("schedule")


@pytest.fixture
def admin(app: Flask, auth_header) -> Admin:
    return Admin(app, auth_header("admin"))
