"""What the patient is told of a cancellation's reason, as plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.notify.domain.rendering import Renderer, reason_text, when


def test_a_reason_without_words_says_nothing_rather_than_none() -> None:
    assert reason_text("something_new", "", "en") == ""
    assert reason_text("something_new", "a note", "zh-CN") == ""
    assert reason_text("expert_unavailable", "学术会议", "zh-CN") == "学术会议"
    assert reason_text("expert_unavailable", "conference", "en") == \
        "the doctor is unavailable: conference"


def test_a_moment_reads_in_the_language_asked() -> None:
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert when(moment, "zh-CN") == "11月24日（周二）09:00"
    assert when(moment, "en") == "Tue 24 Nov 09:00"


def test_a_renderer_answers_in_a_language_it_has_else_its_own() -> None:
    renderer = Renderer(default_language="zh-CN")
    assert renderer.language("en") == "en"
    assert renderer.language("zh-CN") == "zh-CN"
    assert renderer.language("fr") == "zh-CN" and renderer.language(None) == "zh-CN"
