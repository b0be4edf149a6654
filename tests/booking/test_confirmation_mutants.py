"""The confirmation a consultant pastes into the chat, line by line, and what it says when a
fact is missing: no made-up words, no stray spaces.

Written for the mutants `make mutate` found surviving (docs/mutation.md) in
``confirmation.py``.
"""

from __future__ import annotations

from dataclasses import replace

from services.booking.domain.confirmation import confirmation_text
from services.booking.domain.facts import DepartmentRef, ExpertRef
from services.common.hospital import Hospital
from tests.booking.test_fhir_mutants import facts

HOSPITAL = Hospital(name="仁心医院", address="人民路1号", directions="地铁2号线",
                    phone="0571-88880000", time_zone="Asia/Shanghai")


def test_the_whole_confirmation_line_by_line() -> None:
    text = confirmation_text(facts(hospital=HOSPITAL), "https://clinic.example.org/l/abc")
    assert text.split("\n") == [
        "【仁心医院】预约成功", "患者：张三", "科室：心内科（2F）", "医生：李医生 主任医师",
        "时间：2026年12月07日（周一）08:00-08:30", "就诊序号：3号", "预约码：A7K2Q9",
        "地址：人民路1号", "交通：地铁2号线", "请于就诊当日凭预约码到挂号处报到。",
        "如需取消：https://clinic.example.org/l/abc"]


def test_a_missing_fact_leaves_its_line_bare() -> None:
    bare = confirmation_text(facts(hospital=None, department=None, expert=ExpertRef(
        id=7, name="李医生", title="", fee="0")), None).split("\n")
    assert bare[:4] == ["【医院】预约成功", "患者：张三", "科室：", "医生：李医生"]
    assert not any(line.startswith(("地址", "交通", "如需取消")) for line in bare)
    nowhere = confirmation_text(facts(department=DepartmentRef(id=3, name="心内科", location=""),
                                      hospital=replace(HOSPITAL, name="")), None)
    assert nowhere.split("\n")[0] == "【医院】预约成功"
    assert nowhere.split("\n")[2] == "科室：心内科"
