"""A running clinic and headless Chromium (Debian's, at /usr/bin/chromium) for page tests.

Both are shared by the page modules a pytest worker runs one after another: a clinic per set
of settings (:func:`tests.e2e.conftest.shared_clinic`) and one Chromium. They stop when the
worker moves on to other tests (``tests/conftest.py``'s ``pytest_runtest_setup``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ANY_HOUR, ONE_WEB_PROCESS, Clinic, shared_clinic
from tests.support import pages, servers

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]

#: This worker's Playwright and Chromium, once a page test has asked for them.
_RUNNING: list = []


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    return shared_clinic(tmp_path_factory, **ANY_HOUR, **ONE_WEB_PROCESS)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        servers.unavailable("Chromium is not installed (apt-get install chromium); "
                            ".ci/run installs it")
    if not _RUNNING:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _RUNNING[:] = [playwright, playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS)]
    return _RUNNING[1]


def stop_browser() -> None:
    """Close this worker's Chromium and Playwright, if a page test started them."""
    if _RUNNING:
        playwright, chromium = _RUNNING
        _RUNNING.clear()
        pages.forget(chromium)
        chromium.close()
        playwright.stop()


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
