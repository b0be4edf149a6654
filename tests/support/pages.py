"""What the page tests do again and again: sign a member of staff in, call the API beside
the pages, find or make a slot to book today whatever the hour, wait for a page to change.

Each takes the module's ``clinic`` (``tests/e2e/conftest.py``'s ``launch_clinic``) and, for
pages, its headless Chromium (``tests/browser/conftest.py``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.bus import wait_until

SHANGHAI = ZoneInfo("Asia/Shanghai")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


#: Per browser: its contexts free for another test, by their options. A new context costs
#: Chromium about 1.3 CPU-s (its first renderer process, whatever the page), a new page in
#: one about 0.3, and the page tests sign in at 77 places.
_FREE: dict[int, dict[str, list]] = {}
_LENT: dict[int, list[tuple[str, object]]] = {}


def context_for(browser, **options):
    """A browser context with ``options`` for this test alone: one an earlier page test of
    this worker used with the same options, its cookies (the session, the language), routes
    and permissions cleared, else a new one. Two asked in one test are two contexts.
    :func:`give_back` makes them free again when the test ends."""
    key = repr(sorted(options.items()))
    free = _FREE.setdefault(id(browser), {}).setdefault(key, [])
    while free:
        context = free.pop()
        if context in browser.contexts:  # a test may have closed it itself
            context.unroute_all()
            context.clear_permissions()
            context.clear_cookies()
            break
    else:
        context = browser.new_context(**options)
    _LENT.setdefault(id(browser), []).append((key, context))
    return context


def give_back(browser) -> None:
    """At a test's end: its pages closed (an open console goes on taking the stream's
    pushes; a free context keeps one on about:blank), the contexts :func:`context_for`
    lent it free again, any other closed."""
    lent = _LENT.pop(id(browser), [])
    free = _FREE.setdefault(id(browser), {})
    pooled = {id(context) for _, context in lent} | {
        id(context) for contexts in free.values() for context in contexts}
    for context in browser.contexts:
        if id(context) not in pooled:
            context.close()
            continue
        _park(context)
    for key, context in lent:
        if context in browser.contexts:
            free.setdefault(key, []).append(context)


def _park(context) -> None:
    """One page of a free context left open on about:blank, the others closed. With no page
    open Chromium ends the context's renderer process, and the next test's first page in it
    starts another: 0.95 CPU-s a page against 0.3 (measured, eight pages each way)."""
    pages = context.pages
    if not pages:
        context.new_page()
        return
    if len(pages) == 1 and pages[0].url == "about:blank":
        return  # parked already: a context no test took since
    pages[0].goto("about:blank")  # the page's own pagehide runs, as when it closes
    for page in pages[1:]:
        page.close()


def forget(browser) -> None:
    """The browser is closing: nothing of it to lend again."""
    _FREE.pop(id(browser), None)
    _LENT.pop(id(browser), None)


def sign_in(browser, clinic, username: str, password: str = "demo", viewport=DESKTOP,
            start: str | None = None, **context):
    """A new page (in a context of the test's own, with ``context``'s options) signed in
    through the sign-in form, on the page it leads to (``start`` first, when given)."""
    page = context_for(browser, viewport=viewport, locale="zh-CN", **context).new_page()
    page.goto(start or f"{clinic.urls['schedule']}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    return page


def api(clinic, username: str, method: str, service: str, path: str, **kw):
    """``method`` on a service's ``/api/v1`` as ``username`` (a demo account)."""
    headers = {"Authorization": f"Bearer {clinic.token(username)}"}
    return requests.request(method, f"{clinic.urls[service]}/api/v1{path}", headers=headers,
                            timeout=10, **kw)


def department_named(clinic, name: str) -> int:
    """The id of the demo department called ``name`` (the same in every service's copy)."""
    (found,) = [d["id"] for d in api(clinic, "admin", "GET", "schedule", "/departments").json()
                if d["name"] == name]
    return found


def wait_for(check, timeout: float = 15.0) -> bool:
    """Whether ``check`` came true within ``timeout`` seconds (looked at four times a second)."""
    return wait_until(check, timeout, interval=0.25)


def remaining(page, slot_id: str) -> int:
    """The places a console's slot button says are left (余 n/m), 0 when it says none."""
    text = page.locator(f'.slot[data-slot="{slot_id}"]').inner_text()
    match = re.search(r"余 (\d+)/", text)
    return int(match.group(1)) if match else 0


def show_department(page, label: str):
    """Pick a department in the console and wait until the grid shows it, not an older answer."""
    (department,) = page.select_option("#department", label=label)
    page.locator(f'#grid[data-shows^="{department}|"]').wait_for()
    return page.locator("#grid")


def hold_first_open(page, grid) -> str:
    """Click the grid's first open slot until its hold's countdown shows; the slot's id. A
    click can land on a button the grid has just rebuilt (a new version of the counts: a
    session added a moment before reaching booking), and then holds nothing; a person
    clicks again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        first = grid.locator(".slot.open, .slot.low").first
        slot_id = first.get_attribute("data-slot")
        first.click()
        try:
            page.locator("#countdown").wait_for(timeout=10_000)
            return slot_id
        except PlaywrightTimeout:
            continue
    page.locator("#countdown").wait_for()
    return slot_id


class NoExpertFree(AssertionError):
    """Every expert (of the department) has a session at that time already."""


def add_session(clinic, start: datetime, end: datetime, slot_minutes: int,
                department_id: int | None = None, expert_id: int | None = None) -> int:
    """An extra session from ``start`` to ``end`` (hospital time) for the first expert (of
    the department, or ``expert_id`` alone) free then; returns the expert. Booking has it
    once schedule's event arrives: the caller waits for what it needs to see."""
    if end.date() != start.date():
        pytest.skip("too near the hospital's midnight to add a session the same day")
    added = None
    for expert in api(clinic, "admin", "GET", "schedule", "/experts").json():
        if department_id is not None and expert["department_id"] != department_id:
            continue
        if expert_id is not None and expert["id"] != expert_id:
            continue
        added = api(clinic, "admin", "POST", "schedule",
                    f"/experts/{expert['id']}/extra-sessions", json={
                        "date": start.date().isoformat(), "start": f"{start:%H:%M}",
                        "end": f"{end:%H:%M}", "slot_minutes": slot_minutes,
                        "capacity_per_slot": 5, "reason": "测试"})
        if added.status_code == 201:
            return expert["id"]
    raise NoExpertFree(f"no expert free for a session: {added.text if added else ''}")



def bookable_today(clinic, department: str, slots: int = 1) -> None:
    """Today's grid of ``department`` has ``slots`` slots a consultant can click, whatever
    the hour the tests run: the demo's last session ends at 16:30 (at 11:30 at weekends),
    after which every slot of today is past. Adds a session starting in a few minutes when
    fewer open slots start later than that (an earlier test's session may be passing)."""
    now = datetime.now(SHANGHAI)
    soon = now + timedelta(minutes=3)
    department_id = department_named(clinic, department)

    def open_soon() -> bool:
        grid = api(clinic, "admin", "GET", "booking", "/availability", params={
            "department_id": department_id, "date": now.date().isoformat()}).json()
        return sum(s["state"] == "open" and s["remaining"] > 2
                   and datetime.fromisoformat(s["start"]) > soon
                   for e in grid["experts"] for s in e["slots"]) >= slots

    if open_soon():
        return
    start = (now + timedelta(minutes=10 - now.minute % 5)).replace(second=0, microsecond=0)
    while True:  # the page tests of a worker share a clinic: earlier ones took experts' time
        try:
            add_session(clinic, start, start + timedelta(minutes=30), 10, department_id)
            break
        except NoExpertFree:
            start += timedelta(minutes=30)
    assert wait_for(open_soon, 20), "the added session reached booking's grid"


def add_consultant(clinic, username: str) -> None:
    """A second consultant (password ``second-pw``), made with the operator's command."""
    subprocess.run([str(Path(sys.executable).parent / "clinic-schedule"), "staff", "create",
                    username, "--role", "consultant", "--password", "second-pw"],
                   env=clinic.env, check=True, capture_output=True)


def book_by_api(clinic, department_id: int, patient: dict) -> dict:
    """``patient`` booked by phone into the department's first bookable slot from tomorrow.
    Waits for one: a clinic just ready may not have the demo's slots in booking yet (they
    come over the bus from schedule; a fresh clone's run met that in its first test)."""
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    found: list[dict] = []

    def bookable() -> bool:
        week = api(clinic, "consultant", "GET", "booking", "/availability", params={
            "department_id": department_id, "date": tomorrow.isoformat(), "days": 7}).json()
        found[:] = [s for e in week["experts"] for s in e["slots"]
                    if s["remaining"] and s["bookable"]]
        return bool(found)

    assert wait_for(bookable, 30), f"no bookable place in department {department_id}"
    answer = api(clinic, "consultant", "POST", "booking", "/appointments", json={
        "slot_id": found[0]["slot_id"], "channel": "phone", "patient": patient})
    assert answer.status_code == 201, answer.text
    return answer.json()


def book_today(clinic, department: str, patient: dict) -> dict:
    """An appointment in one of today's slots not yet begun."""
    bookable_today(clinic, department)
    department_id = department_named(clinic, department)
    now = datetime.now(SHANGHAI)
    grid = api(clinic, "consultant", "GET", "booking", "/availability", params={
        "department_id": department_id, "date": now.date().isoformat()}).json()
    slot = next(s for e in grid["experts"] for s in e["slots"] if s["state"] == "open"
                and s["remaining"] and datetime.fromisoformat(s["start"]) > now)
    answer = api(clinic, "consultant", "POST", "booking", "/appointments", json={
        "slot_id": slot["slot_id"], "channel": "phone", "patient": patient})
    assert answer.status_code == 201, answer.text
    return answer.json()


def open_found(clinic, browser, phone: str, booked: dict):
    """A consultant's console with ``booked`` found by ``phone`` and opened in the panel:
    (the page, the found line)."""
    page = sign_in(browser, clinic, "consultant")
    page.locator("#find-form").get_by_label("手机号、姓名或预约码").fill(phone)
    page.locator("#find-form").get_by_role("button", name="查找").click()
    listed = page.locator(f'#found li[data-appointment="{booked["id"]}"]')
    listed.wait_for()
    assert "已预约" in listed.inner_text() and f"{phone[:3]}****{phone[-4:]}" in \
        listed.inner_text()
    listed.get_by_role("button").click()
    page.locator("#opened-title", has_text="已预约").wait_for()
    return page, listed


def opening_monday(today):
    """The week the admin page opens on: today's, the coming one at a weekend."""
    return today - timedelta(days=today.weekday()) + timedelta(days=7 if today.weekday() >= 5
                                                                else 0)
