"""The confirmation a consultant pastes back into the chat: true facts, nothing more."""

from __future__ import annotations

from .facts import AppointmentFacts

WEEKDAYS_ZH = "一二三四五六日"


def confirmation_text(facts: AppointmentFacts, patient_link: str | None) -> str:
    """Chinese text with hospital, department, expert, local date and time, number, code."""
    start, end = facts.local_start, facts.local_end
    department, hospital = facts.department, facts.hospital
    lines = [
        f"【{hospital.name if hospital and hospital.name else '医院'}】预约成功",
        f"患者：{facts.patient.name}",
        f"科室：{department.name if department else ''}"
        + (f"（{department.location}）" if department and department.location else ""),
        f"医生：{facts.expert.name} {facts.expert.title}".rstrip(),
        f"时间：{start:%Y年%m月%d日}（周{WEEKDAYS_ZH[start.weekday()]}）"
        f"{start:%H:%M}-{end:%H:%M}",
        f"就诊序号：{facts.queue_number}号",
        f"预约码：{facts.code}",
    ]
    if hospital and hospital.address:
        lines.append(f"地址：{hospital.address}")
    if hospital and hospital.directions:
        lines.append(f"交通：{hospital.directions}")
    lines.append("请于就诊当日凭预约码到挂号处报到。")
    if patient_link:
        lines.append(f"如需取消：{patient_link}")
    return "\n".join(lines)
