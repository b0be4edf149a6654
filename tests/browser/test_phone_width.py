"""The desk's wide pages at phone width (390 px): a wide table scrolls inside its own box,
the page itself never scrolls sideways, and a Chinese name is not squeezed to one
character a line (陈/晓/雯) - in zh-CN and in English."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.pages import PHONE, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = "王建国主任医师"
CALLS = {"booked": 1, "no_answer": 2, "refused": 1}
FUNNEL = {
    "from": "2026-01-01", "to": "2026-01-31", "by": "consultant",
    "rows": [{"group": "consultant", "name": "陈晓雯", "enquiries": 12, "converted": 5,
              "arrived": 3, "conversion_rate": 0.41, "arrival_rate": 0.6, "calls": CALLS,
              "calls_made": 4, "median_seconds": 95, "timed_calls": 4,
              "objections": {"price": 2}}],
    "total": {"enquiries": 12, "converted": 5, "arrived": 3, "conversion_rate": 0.41,
              "arrival_rate": 0.6, "calls": CALLS, "calls_made": 4, "median_seconds": 95,
              "timed_calls": 4, "objections": {"price": 2}},
}
SCORES = {"explanation": 4.2, "waiting": 3.1, "overall": 4.0}
SATISFACTION = {"by_expert": [{"name": LONG, "averages": SCORES, "n": 3, "refused": 1,
                               "unreached": 2, "small": True}],
                "by_department": [{"name": "消化内科", "averages": SCORES, "n": 7,
                                   "refused": 0, "unreached": 1, "small": False}]}


def _due(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


TASKS = [{"id": 900 + i, "kind": kind, "section": section, "sms_reached": False,
          "patient": {"name": "陈晓雯", "phone": "138****0001"}, "due_at": _due(-1),
          "attempts": 1, "last_outcome": "no_answer", "claimed_by": None}
         for i, (kind, section) in enumerate([("hospital_cancelled", "due_now"),
                                              ("no_show", "overdue"), ("enquiry", "later")])]
ENQUIRIES = [{"id": 1, "created_at": _due(-2), "name": "陈晓雯", "phone": "13800000001",
              "channel": "phone", "call_consent": True, "status": "open"}]
COMPLAINTS = [{"id": 1, "department": "消化内科", "expert": LONG,
               "patient": {"name": "陈晓雯", "phone": "13800000001"}, "owner_name": "前台",
               "due_on": "2026-01-05", "overdue": True, "status": "open"}]
BY_DEPARTMENT = [{"department": "消化内科", "open": 2, "overdue": 1, "closed": 5,
                  "median_hours": 30}]
ACCESS_LOG = [{"at": _due(-1), "staff": "陈晓雯", "patient_id": 12345678,
               "action": "update_patient", "service": service,
               "detail": "name, phone, guardian_name, id_number"}
              for service in ("booking", "notify", "followup")]
STAFF = [{"username": "consultant2", "name": "陈晓雯", "roles": ["consultant", "frontdesk"],
          "active": True}]

#: (who, service, path, answers to route) for each page checked.
PAGES = [
    ("consultant", "followup", "/worklist", {"**/api/v1/tasks": TASKS}),
    ("consultant", "followup", "/enquiry", {"**/api/v1/enquiries?*": ENQUIRIES}),
    ("manager", "followup", "/complaints", {"**/api/v1/complaints?*": COMPLAINTS,
                                            "**/api/v1/complaints/by-department": BY_DEPARTMENT}),
    ("frontdesk", "followup", "/complaints", {"**/api/v1/complaints?*": COMPLAINTS}),
    ("manager", "booking", "/stats", {"**/api/v1/funnel?*": FUNNEL,
                                      "**/api/v1/satisfaction?*": SATISFACTION}),
    ("admin", "schedule", "/admin/privacy", {"**/api/v1/access-log?*": ACCESS_LOG}),
    ("admin", "schedule", "/admin/staff", {"**/api/v1/staff": STAFF}),
]


def _answer(page, pattern: str, body: object) -> None:
    page.route(pattern, lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(body)))


def _lines(page, text: str) -> int:
    """On how many lines the first table text exactly ``text`` is drawn (0: not shown)."""
    return page.evaluate("""(text) => {
      const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        if (node.data.trim() !== text || !node.parentElement.closest("td, th")) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      }
      return 0;
    }""", text)


def _check(page, lang: str, path: str, who: str) -> None:
    """The page fits 390 px and its names each keep to one line."""
    assert wait_for(lambda: "陈晓雯" in page.locator("main").inner_text()), (path, who)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, (lang, path, who, width)
    assert _lines(page, "陈晓雯") == 1, (lang, path, who, _lines(page, "陈晓雯"))
    if path == "/stats":
        assert wait_for(lambda: _lines(page, LONG) > 0), (lang, "no satisfaction table")
        assert _lines(page, LONG) == 1, (lang, _lines(page, LONG))
        for chart in ("#funnel", "#trend"):  # labels as large as the page's small print
            label = page.locator(f"{chart} svg text").first.bounding_box()
            assert label and label["height"] >= 10, (lang, chart, label)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_no_page_is_wider_than_a_phone(clinic, browser, lang: str) -> None:
    # One page per member of staff, going from page to page: each sign-in opens a browser
    # context (1.3 CPU-s); one per page made this test 16.6 busy core-seconds, not 6.3.
    signed_in: dict[str, Any] = {}
    for who, service, path, answers in PAGES:
        if who not in signed_in:
            signed_in[who] = sign_in(browser, clinic, who, viewport=PHONE)
        page = signed_in[who]
        page.unroute_all()  # the answers made up for this member's page before
        for pattern, body in answers.items():
            _answer(page, pattern, body)
        page.goto(f"{clinic.urls[service]}{path}?lang={lang}")
        page.wait_for_load_state("networkidle")
        _check(page, lang, path, who)
