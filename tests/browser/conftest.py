"""A running clinic and headless Chromium (Debian's, at /usr/bin/chromium) for page tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ANY_HOUR, ONE_WEB_PROCESS, Clinic, launch_clinic
from tests.support import pages, servers

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    started = launch_clinic(tmp_path_factory.mktemp("clinic"), **ANY_HOUR,
                            **ONE_WEB_PROCESS)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        servers.unavailable("Chromium is not installed (apt-get install chromium); "
                            ".ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        pages.forget(chromium)
        chromium.close()


@pytest.fixture(autouse=True)
def _pages_end_with_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test's pages are closed when it ends, not left to the module's end: an open
    console goes on taking the stream's pushes (and holding one of its threads). Its
    contexts go back to :func:`tests.support.pages.context_for` for the next test."""
    yield
    if "browser" in request.fixturenames:
        pages.give_back(request.getfixturevalue("browser"))


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``CLINIC_SCREENSHOTS`` (e.g. docs/screenshots) or a scratch folder."""
    folder = Path(os.environ.get("CLINIC_SCREENSHOTS") or tmp_path)
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder
