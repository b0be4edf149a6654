"""Every word a page template shows has its English (issue 16, bug 10): a Chinese text
without one showed through in the English pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.booking.api.ui_text import ENGLISH as BOOKING
from services.booking.api.ui_text import PATIENT_ENGLISH
from services.common.pages import LAYOUT_TEXT, ROLE_NAMES
from services.followup.api.ui_text import ENGLISH as FOLLOWUP
from services.notify.api.pages import ENGLISH as NOTIFY
from services.schedule.api.ui_text import ENGLISH as SCHEDULE

ROOT = Path(__file__).resolve().parents[1] / "services"
CATALOGS = {"booking": BOOKING, "followup": FOLLOWUP, "notify": NOTIFY, "schedule": SCHEDULE}
STAFF = re.compile(r"""\b_\(\s*"([^"]+)"\s*\)""")
PATIENT = re.compile(r"""\bsay\(\s*"([^"]+)"\s*\)""")


def texts(folder: Path, pattern: re.Pattern[str]) -> set[str]:
    return {text for page in folder.glob("*.html") for text in pattern.findall(page.read_text())}


@pytest.mark.parametrize("service", sorted(CATALOGS))
def test_each_staff_page_text_has_its_english(service: str) -> None:
    known = {**LAYOUT_TEXT, **CATALOGS[service]}
    missing = sorted(t for t in texts(ROOT / service / "templates", STAFF) if t not in known)
    assert not missing, missing


def test_the_shared_layout_and_role_names_have_their_english() -> None:
    shown = texts(ROOT / "common" / "templates", STAFF) | set(ROLE_NAMES.values())
    assert not sorted(t for t in shown if t not in LAYOUT_TEXT)


def test_each_patient_page_text_has_its_english() -> None:
    shown = texts(ROOT / "booking" / "templates", PATIENT)
    assert shown, "the patient pages use say()"
    assert not sorted(t for t in shown if t not in PATIENT_ENGLISH)
