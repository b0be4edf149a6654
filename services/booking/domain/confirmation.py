"""The confirmation a consultant pastes back into the chat: true facts, nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

WEEKDAYS_ZH = "一二三四五六日"


def confirmation_text(view: dict[str, Any], hospital: dict[str, str]) -> str:
    """Chinese text with hospital, department, expert, local date and time, number, code."""
    start: datetime = view["start"]
    end: datetime = view["end"]
    department = view.get("department") or {}
    lines = [
        f"【{hospital.get('name') or '医院'}】预约成功",
        f"患者：{view['patient']['name']}",
        f"科室：{department.get('name', '')}"
        + (f"（{department['location']}）" if department.get("location") else ""),
        f"医生：{view['expert']['name']} {view['expert'].get('title', '')}".rstrip(),
        f"时间：{start:%Y年%m月%d日}（周{WEEKDAYS_ZH[start.weekday()]}）"
        f"{start:%H:%M}-{end:%H:%M}",
        f"就诊序号：{view['queue_number']}号",
        f"预约码：{view['code']}",
    ]
    if hospital.get("address"):
        lines.append(f"地址：{hospital['address']}")
    if hospital.get("directions"):
        lines.append(f"交通：{hospital['directions']}")
    lines.append("请于就诊当日凭预约码到挂号处报到。")
    if view.get("patient_link"):
        lines.append(f"如需取消：{view['patient_link']}")
    return "\n".join(lines)
