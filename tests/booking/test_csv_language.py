"""The roster and statistics CSVs in the language of the page that asked (issue 27, item
4): Chinese headers and words by default, English with ``?lang=en`` or the page's
cookie; statuses and channels as words, rates as percentages, never the API's codes."""

from __future__ import annotations

import csv
import io
from datetime import time
from typing import Any

import pytest

from services.common.config import DEFAULT_JWT_SECRET
from services.common.pages import LANG_COOKIE
from services.common.tokens import issue_token
from tests.support.booking import PHONES, Staff, local_now, tomorrow


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "a BOM, so spreadsheets read the Chinese"
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.fixture
def day(inv, frontdesk) -> dict[str, Any]:
    """Today: one walk-in arrived, one marked a no-show."""
    now = local_now()
    start = now.replace(minute=(now.minute // 30) * 30, second=0, microsecond=0)
    slot_id = inv.session(start.date(), start.time(), count=1, capacity=2)[0]
    walk = {"slot_id": slot_id}
    came = frontdesk.post("/api/v1/walk-ins", json={
        **walk, "patient": {"name": "赵六", "phone": PHONES[0]}}).json
    missed = frontdesk.post("/api/v1/walk-ins", json={
        **walk, "patient": {"name": "钱七", "phone": PHONES[1]}}).json
    url = f"/api/v1/appointments/{missed['id']}"
    assert frontdesk.post(f"{url}/undo-check-in", json={"reason": "误操作"}).status_code == 200
    assert frontdesk.post(f"{url}/no-show", json={}).status_code == 200
    return {"date": start.date().isoformat(), "came": came["code"], "missed": missed["code"]}


def by_code(rows: list[list[str]], code_column: int = 6) -> dict[str, list[str]]:
    return {row[code_column]: row for row in rows[1:]}


def test_the_roster_csv_speaks_chinese_by_default(frontdesk, day) -> None:
    rows = rows_of(frontdesk.get(f"/api/v1/roster.csv?date={day['date']}"))
    assert rows[0] == ["日期", "科室", "专家", "时段", "序号", "时间", "预约码", "患者", "手机",
                       "状态", "渠道", "加号"]
    lines = by_code(rows)
    assert lines[day["came"]][9:11] == ["已报到", "现场挂号"]
    assert lines[day["missed"]][9:11] == ["爽约", "现场挂号"]
    text = "\n".join(",".join(row) for row in rows)
    assert not {"checked_in", "no_show", "walk_in", "yes"} & set(text.replace(",", " ").split())


@pytest.mark.parametrize("by", ["query", "cookie"])
def test_the_roster_csv_speaks_english_to_an_english_page(frontdesk, day, by: str) -> None:
    url = f"/api/v1/roster.csv?date={day['date']}"
    if by == "cookie":
        frontdesk.client.set_cookie(LANG_COOKIE, "en")
    else:
        url += "&lang=en"
    rows = rows_of(frontdesk.get(url))
    assert rows[0][:3] == ["Date", "Department", "Expert"] and rows[0][9:11] == ["Status",
                                                                                  "Channel"]
    lines = by_code(rows)
    assert lines[day["came"]][9:11] == ["arrived", "walk-in"]
    assert lines[day["missed"]][9:11] == ["no-show", "walk-in"]


def test_an_overbooked_line_says_so_in_the_page_language(inv, frontdesk) -> None:
    now = local_now()
    start = now.replace(minute=(now.minute // 30) * 30, second=0, microsecond=0)
    slot_id = inv.session(start.date(), start.time(), count=1, capacity=1)[0]
    for phone, extra in ((PHONES[0], {}), (PHONES[1], {"overbook_reason": "复诊"})):
        assert frontdesk.post("/api/v1/walk-ins", json={
            "slot_id": slot_id, "patient": {"name": "赵六", "phone": phone},
            **extra}).status_code == 201
    url = f"/api/v1/roster.csv?date={start.date()}"
    assert sorted(row[11] for row in rows_of(frontdesk.get(url))[1:]) == ["", "是"]
    assert sorted(row[11] for row in rows_of(frontdesk.get(url + "&lang=en"))[1:]) == ["", "yes"]


def test_a_name_that_looks_like_a_formula_stays_text_in_chinese_too(inv, consultant,
                                                                    frontdesk) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    assert consultant.book(slot_id, name="=1+1").status_code == 201
    [_, row] = rows_of(frontdesk.get(f"/api/v1/roster.csv?date={tomorrow()}"))
    assert row[7] == "'=1+1"


def stats_csv(staff, day, lang: str | None = None) -> list[list[str]]:
    query = {"from": day["date"], "to": day["date"], "by": "channel"}
    if lang:
        query["lang"] = lang
    return rows_of(staff("manager").get("/api/v1/stats.csv", query_string=query))


def test_the_stats_csv_speaks_chinese_with_percentages(staff, day) -> None:
    rows = stats_csv(staff, day)
    assert rows[0] == ["分组", "预约数", "取消", "到诊", "爽约", "到诊率", "放出的号", "号源利用率"]
    assert rows[1] == ["现场挂号", "2", "0", "1", "1", "50.0%", "", ""]


def test_the_stats_csv_speaks_english_to_an_english_page(staff, day) -> None:
    rows = stats_csv(staff, day, "en")
    assert rows[0] == ["Group", "Booked", "Cancelled", "Arrived", "No-show", "Arrival rate",
                       "Places", "Utilisation"]
    assert rows[1] == ["walk-in", "2", "0", "1", "1", "50.0%", "", ""]


def test_the_stats_csv_gives_utilisation_as_a_percentage(inv, consultant, staff) -> None:
    slots = inv.session(tomorrow(), time(8), count=2, capacity=2)  # 4 places
    consultant.book(slots[0])
    span = {"from": tomorrow().isoformat(), "to": tomorrow().isoformat(), "by": "expert"}
    [head, row] = rows_of(staff("manager").get("/api/v1/stats.csv", query_string=span))
    assert head[:3] == ["分组", "专家编号", "预约数"]
    assert row[0] == "王建国" and row[1].isdigit(), "the group by name, then its id"
    assert row[2:] == ["1", "0", "0", "0", "", "4", "25.0%"]


def test_the_stats_csv_names_groups_by_their_names_not_ids(inv, staff) -> None:
    """Issue: the 分组 column held internal ids (1, 2, 7) and usernames, and a
    consultant read ``陈晓雯 (chen)``; the group is its name, an id column says so."""
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    named = Staff(inv.app, {"Authorization": "Bearer " + issue_token(
        DEFAULT_JWT_SECRET, "chen", ["consultant"], ttl_seconds=600, name="陈晓雯")})
    assert named.book(slot_id).status_code == 201
    day = tomorrow().isoformat()
    manager = staff("manager")

    def csv_by(by: str, lang: str = "zh") -> list[list[str]]:
        return rows_of(manager.get("/api/v1/stats.csv", query_string={
            "from": day, "to": day, "by": by, "lang": lang}))

    assert csv_by("consultant") == [
        ["分组", "账号", "预约数", "取消", "到诊", "爽约", "到诊率", "放出的号", "号源利用率"],
        ["陈晓雯", "chen", "1", "0", "0", "0", "", "", ""]]
    assert csv_by("consultant", "en")[0][:2] == ["Group", "Username"]
    [head, row] = csv_by("department")
    assert head[:2] == ["分组", "科室编号"] and not row[0].isdigit() and row[1].isdigit()
    [head, row] = csv_by("expert", "en")
    assert head[:2] == ["Group", "Expert ID"] and row[0] == "王建国"
    [page_row] = manager.get("/api/v1/stats", query_string={
        "from": day, "to": day, "by": "consultant"}).json
    assert (page_row["group"], page_row["name"]) == ("chen", "陈晓雯"), "the page shows the name"
