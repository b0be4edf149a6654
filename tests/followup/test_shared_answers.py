"""Shared answers (统一回答口径, SPEC §15, issue 33): an admin-kept list of the hospital's
answers, each with its last-reviewed day, searchable by the desk; 医保 and parking answer
the objections they bear on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.common.refusals import Invalid
from services.common.runtime import current_runtime
from services.followup.config import FollowupSettings
from services.followup.domain.answers import (
    TOPICS,
    Answer,
    check_answer,
    due_for_review,
    search,
)
from services.followup.ops.demo import DEMO_ANSWERS, load_demo_answers
from tests.support.followup import Caller, Feed, Person

LIST = [Answer(1, "insurance", "能用医保吗？", "门诊可以使用上海医保卡，异地医保需先备案。",
               date(2026, 1, 1)),
        Answer(2, "parking", "有停车场吗", "地下车库 B2，前 2 小时免费。", date(2026, 1, 1)),
        Answer(3, "online_limits", "能在网上开药吗", "网上不能诊断，也不能开药，请到院就诊。",
               date(2026, 1, 1)),
        Answer(4, "fees", "Expert fee?", "ＣＴ and the expert fee are listed at the desk.",
               date(2026, 1, 1))]


@pytest.mark.parametrize("query,ids", [("", [1, 2, 3, 4]), ("医保", [1]), ("停车", [2]),
                                       ("网上 开药", [3]), ("网上 停车", []), ("ct", [4]),
                                       ("EXPERT", [4]), ("insurance", [1]), ("  ", [1, 2, 3, 4])])
def test_search_finds_every_word_in_question_answer_or_topic(query, ids) -> None:
    assert [a.id for a in search(LIST, query)] == ids


def test_topic_words_find_an_answer_by_its_topics_name() -> None:
    assert [a.id for a in search(LIST, "费用", {"fees": ("费用",)})] == [4]


def test_an_answer_needs_a_topic_a_question_and_the_answer() -> None:
    for args, code in [(("price", "q", "a"), "unknown_topic"),
                       (("fees", " ", "a"), "question_required"),
                       (("fees", "q", ""), "answer_required")]:
        with pytest.raises(Invalid) as refused:
            check_answer(*args)
        assert refused.value.code == code


def test_half_a_year_unreviewed_is_due_for_review() -> None:
    assert not due_for_review(date(2026, 1, 1), date(2026, 6, 29))
    assert due_for_review(date(2026, 1, 1), date(2026, 6, 30))


def test_admins_keep_the_list_the_desk_searches_it(app, feed: Feed, li: Caller,
                                                   clock) -> None:
    admin = Caller(app, "root", role="admin")
    made = admin.post("/api/v1/answers", json={"topic": "insurance", "question": "能用医保吗？",
                                               "answer": "门诊可以使用上海医保卡。"})
    assert made.status_code == 201, made.json
    assert (made.json["reviewed_on"], made.json["due_for_review"]) == ("2026-11-24", False)
    assert li.post("/api/v1/answers", json={"topic": "fees", "question": "q",
                                            "answer": "a"}).status_code == 403
    refused = admin.post("/api/v1/answers", json={"topic": "gossip", "question": "q",
                                                  "answer": "a"})
    assert (refused.status_code, refused.json["code"]) == (422, "unknown_topic")
    admin.post("/api/v1/answers", json={"topic": "parking", "question": "有停车场吗",
                                        "answer": "地下车库 B2。"})
    assert [a["topic"] for a in li.get("/api/v1/answers?q=医保").json] == ["insurance"]
    assert [a["topic"] for a in li.get("/api/v1/answers?q=停车").json] == ["parking"]
    clock.advance(timedelta(days=200))
    assert li.get("/api/v1/answers?q=医保").json[0]["due_for_review"] is True
    again = admin.put(f"/api/v1/answers/{made.json['id']}",
                      json={"topic": "insurance", "question": "能用医保吗？",
                            "answer": "门诊可以使用上海医保卡，异地医保需先备案。"})
    assert (again.json["due_for_review"], again.json["reviewed_on"]) == (False, "2027-06-12")
    assert admin.delete(f"/api/v1/answers/{made.json['id']}").status_code == 204
    assert li.get("/api/v1/answers?q=医保").json == []
    assert admin.delete(f"/api/v1/answers/{made.json['id']}").status_code == 404

    feed.no_show(Person(), start=clock.now() - timedelta(days=1))
    [task] = li.tasks()
    li.claim(task["id"])
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert {"fact": "parking", "value": "地下车库 B2。"} in card["objection_answers"]["distance"]
    assert "insurance" not in [a["fact"] for a in card["objection_answers"]["price"]], \
        "the retired 医保 answer is not told"
    admin.post("/api/v1/answers", json={"topic": "insurance", "question": "医保？",
                                        "answer": "可以刷医保卡。"})
    card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert {"fact": "insurance", "value": "可以刷医保卡。"} in card["objection_answers"]["price"]


def test_the_demo_loads_its_shared_answers_once(app) -> None:
    """``make run``'s demo (development only) shows answers on a fresh desk; a second start
    or a desk with answers of its own is left as it is."""
    with app.app_context():
        rt = current_runtime(FollowupSettings)
        assert load_demo_answers(rt) is True
        assert load_demo_answers(rt) is False, "loaded once"
    answers = Caller(app, "li").get("/api/v1/answers").json
    assert len(answers) == len(DEMO_ANSWERS)
    assert {a["topic"] for a in answers} == set(TOPICS) - {"other"}
    online = next(a["answer"] for a in answers if a["topic"] == "online_limits")
    assert "不能诊断" in online and "不能开药" in online
