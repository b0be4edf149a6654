"""The call's greeting says nothing it does not know (mutation survivors of
``services/followup/domain/etiquette.py``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.followup.domain.etiquette import greeting, local_day
from services.followup.domain.statuses import TaskKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_no_day_and_no_expert_known_say_nothing() -> None:
    assert local_day(None, SHANGHAI) == "" and local_day("", SHANGHAI) == ""
    said = greeting(TaskKind.NO_SHOW, "市一医院", "李", {"start": "2026-12-07T01:00:00+00:00"},
                    SHANGHAI)
    assert (said.about, said.expert) == ("2026-12-07", "")
