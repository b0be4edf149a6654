"""Notify fixtures: an app on this test's files."""

import pytest


@pytest.fixture
def app(make_app):
    return make_app("notify")
