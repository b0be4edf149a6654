"""A running clinic and headless Chromium (Debian's, at /usr/bin/chromium) for page tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Clinic, launch_clinic
from tests.support import servers

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def clinics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Clinic]]:
    """``clinics(**settings)``: this worker's running clinic with those settings, started
    the first time a page module asks for them and shared by every module after it that
    asks for the same (a clinic's start costs as much CPU as a dozen page tests). One web
    process per service (WEB_CONCURRENCY=1): the pages need no second one."""
    started: dict[tuple[tuple[str, str], ...], Clinic] = {}

    def clinic_with(**settings: str) -> Clinic:
        key = tuple(sorted(settings.items()))
        if key not in started:
            started[key] = launch_clinic(tmp_path_factory.mktemp("clinic"),
                                         WEB_CONCURRENCY="1", **settings)
            started[key].wait_ready()
        return started[key]

    try:
        yield clinic_with
    finally:
        for clinic in started.values():
            clinic.stop()


@pytest.fixture(scope="module")
def clinic(clinics: Callable[..., Clinic]) -> Clinic:
    # A cut-off a day after the start keeps today's demo slots bookable whatever the
    # hour the tests run, so the front desk can check in today's patient.
    return clinics(CUTOFF_MINUTES="-1440")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for this worker's page tests; each test opens its own context."""
    if not CHROMIUM.exists():
        servers.unavailable("Chromium is not installed (apt-get install chromium); "
                            ".ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _pages_end_with_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test's pages are closed when it ends: left open on the shared browser, a console
    would go on taking the stream's pushes (and a thread of it) for the rest of the run."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``CLINIC_SCREENSHOTS`` (e.g. docs/screenshots) or a scratch folder."""
    folder = Path(os.environ.get("CLINIC_SCREENSHOTS") or tmp_path)
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder
