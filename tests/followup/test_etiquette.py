"""Phone etiquette on the call card (SPEC §15, issue 33): the honest greeting (the
hospital, the caller's own name, why we call, is now a good time) and the facts to repeat
back at the end (date, time, place, code) — etiquette, never pressure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from services.followup.domain.etiquette import greeting, repeat_back
from tests.support.booking import Staff
from tests.support.followup import Feed, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
FOLLOWUP = Path(__file__).resolve().parents[2] / "services" / "followup"


def test_the_greeting_says_who_calls_from_where_and_why() -> None:
    said = greeting("no_show", "仁和医院", "陈晓雯",
                    {"start": "2026-11-23T23:30:00+00:00", "expert": "张伟 主任医师"}, SHANGHAI)
    assert (said.hospital, said.caller, said.why, said.about, said.expert) == \
        ("仁和医院", "陈晓雯", "no_show", "2026-11-24", "张伟 主任医师"), "the hospital's day"
    asked = greeting("enquiry", "仁和医院", "陈晓雯", {"asked_at": "2026-11-20T02:00:00+00:00",
                                                 "expert": "x"}, SHANGHAI)
    assert (asked.why, asked.about, asked.expert) == ("enquiry", "2026-11-20", "")
    assert greeting("hospital_cancelled", "", "", {"start": "garbled"}, SHANGHAI).about == ""


def test_the_facts_repeated_back_are_date_time_place_code_in_hospital_time() -> None:
    start = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert repeat_back(start, "消化内科 门诊楼 3 楼", "K7QM4TZP", SHANGHAI) == [
        ("date", "2026-11-25"), ("time", "08:30"), ("place", "消化内科 门诊楼 3 楼"),
        ("code", "K7QM4TZP")]
    assert repeat_back(None, "", "K7QM4TZP", SHANGHAI) == [("code", "K7QM4TZP")]


def test_the_card_greets_with_the_callers_own_name_and_repeats_the_booking_back(
        app, feed: Feed) -> None:
    token = issue_token(DEFAULT_JWT_SECRET, "li", ["consultant"], ttl_seconds=600,
                        name="李静")
    li = Staff(app, {"Authorization": f"Bearer {token}"})
    person = Person()
    feed.no_show(person, start=datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    [task] = li.get("/api/v1/tasks").json
    li.post(f"/api/v1/tasks/{task['id']}/claim")
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["etiquette"] == {
        "greeting": {"hospital": "仁和医院", "caller": "李静", "why": "no_show",
                     "about": "2026-11-23", "expert": "张伟 主任医师"},
        "repeat_back": []}, "nothing agreed yet: nothing to repeat back"
    feed.booked(person, code="BCDFGHJK", start=datetime(2026, 11, 26, 6, 30, tzinfo=UTC))
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert card["status"] == "booked"
    assert card["etiquette"]["repeat_back"] == [
        {"fact": "date", "value": "2026-11-26"}, {"fact": "time", "value": "14:30"},
        {"fact": "place", "value": "消化内科 门诊楼 3 楼 B 区"},
        {"fact": "code", "value": "BCDFGHJK"}]


PRESSURE = re.compile(r"名额有限|仅剩|最后机会|机不可失|抓紧|赶快|马上预约|错过|优惠|"
                      r"limited|last chance|hurry|only \d+ left|don't miss|discount", re.I)


def test_the_cards_words_are_etiquette_not_pressure() -> None:
    """Every word the worklist says, in both languages: no scarcity, no urgency, no deal."""
    for path in (FOLLOWUP / "static" / "worklist.js", FOLLOWUP / "api" / "ui_text.py",
                 FOLLOWUP / "templates" / "worklist.html"):
        found = PRESSURE.findall(path.read_text())
        assert not found, (path.name, found)
