"""The demo hospital the embedded default loads on its first start.

Built through the same functions the API uses, so the demo shows what the
product really does: staff, hospital facts, departments, experts, weekly
templates, and two weeks of published slots.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.common.event_handlers import SYSTEM
from services.common.hospital import Hospital
from services.common.hospital_copy import hospital_reader
from services.common.runtime import Runtime
from services.common.unit_of_work import Work, desk_for, unit_of_work

from ..domain.passwords import DEVELOPMENT_PASSWORD_LENGTH
from ..domain.staff import DEMO_PASSWORD, DEMO_STAFF
from ..models import Hospital as HospitalRow
from ..models import StaffMember
from ..reads.hospital import hospital_entered
from ..reads.staff import find_staff
from .directory import create_department, create_expert
from .hospital import save_hospital
from .publishing import publish
from .staff import create_staff
from .templates import save_template

log = logging.getLogger(__name__)

DEMO_HOSPITAL = Hospital(
    name="仁和医院",
    address="上海市黄浦区示范路 100 号",
    directions="地铁 2 号线人民广场站 3 号口出，步行 5 分钟；门诊楼一楼挂号处报到。",
    phone="021-5555 0100",
    time_zone="Asia/Shanghai",
    language="zh-CN",
)

DEPARTMENTS = (
    ("CARD", "心内科", "门诊楼 3 楼 A 区"),
    ("GAST", "消化内科", "门诊楼 3 楼 B 区"),
    ("PEDS", "儿科", "门诊楼 2 楼"),
    ("DERM", "皮肤科", "门诊楼 4 楼"),
)

MORNING = (time(8, 0), time(11, 30))
AFTERNOON = (time(13, 30), time(16, 30))

# code, name, title, department, fee, specialty, bio,
# [(weekdays, session, slot minutes, capacity)]
EXPERTS = (
    ("CARD-01", "王建国", "主任医师", "CARD", "100.00",
     "冠心病、高血压", "从医 30 年，主持心内科门诊与冠脉介入。",
     [((1, 3, 5), MORNING, 30, 3)]),
    ("CARD-02", "李晓梅", "副主任医师", "CARD", "60.00",
     "心律失常、心力衰竭", "擅长房颤射频消融术后随访与心衰管理。",
     [((2, 4), MORNING, 30, 4), ((2,), AFTERNOON, 30, 4)]),
    ("GAST-01", "张伟", "主任医师", "GAST", "100.00",
     "胃肠道肿瘤早诊早治、内镜", "消化内镜中心负责人，每周两次内镜诊疗。",
     [((1, 2, 3, 4, 5), MORNING, 30, 5)]),
    ("GAST-02", "刘洋", "主治医师", "GAST", "30.00",
     "慢性胃炎、幽门螺杆菌感染", "周六上午门诊，适合工作日不便就诊的患者。",
     [((1, 3, 5), AFTERNOON, 20, 2), ((6,), MORNING, 30, 2)]),
    ("PEDS-01", "陈静", "主任医师", "PEDS", "80.00",
     "儿童呼吸系统疾病、哮喘", "儿科主任，儿童哮喘规范化管理。",
     [((1, 2, 3, 4, 5), MORNING, 15, 2), ((6, 7), MORNING, 15, 2)]),
    ("PEDS-02", "赵敏", "副主任医师", "PEDS", "50.00",
     "新生儿疾病、儿童生长发育", "儿童保健与生长发育评估。",
     [((2, 4), AFTERNOON, 15, 2)]),
    ("DERM-01", "孙丽", "主任医师", "DERM", "80.00",
     "湿疹、银屑病、痤疮", "皮肤科主任，慢性皮肤病长期随访。",
     [((1, 4), MORNING, 30, 4), ((3,), AFTERNOON, 30, 4)]),
)


def load_demo(rt: Runtime[Any]) -> bool:
    """Create the demo hospital unless the database already has staff; publish two weeks."""
    if rt.hospital is None:  # booted without it (``make run``): read it as schedule does
        rt = dataclasses.replace(rt, hospital=hospital_reader(HospitalRow))
    with unit_of_work(rt, SYSTEM) as work:
        if work.session.scalar(select(StaffMember.id).limit(1)) is not None:
            return False
        for username, name, roles in DEMO_STAFF:
            if find_staff(work.session, username) is None:
                create_staff(work, username, name, roles, DEMO_PASSWORD,
                             minimum=DEVELOPMENT_PASSWORD_LENGTH)
        if not hospital_entered(work.session):
            save_hospital(work, DEMO_HOSPITAL)
            # The desk opened before the facts were there: today is the new hospital's.
            work = dataclasses.replace(work, desk=desk_for(rt, work.session, SYSTEM,
                                                           now=work.desk.now,
                                                           fresh_hospital=True))
        _load_directory(work)
        now = work.desk.now
    result = publish(rt, now=now)
    log.info("demo hospital loaded: %d expert-days, %d slots published", result.days,
             result.slots)
    return True


def _load_directory(work: Work[Any]) -> None:
    """The departments, their experts and the experts' weekly sessions from today."""
    departments = {code: create_department(work, code=code, name=name, location=where)
                   for code, name, where in DEPARTMENTS}
    for code, name, title, department, fee, specialty, bio, sessions in EXPERTS:
        expert_id = create_expert(work, code=code, name=name, title=title, bio=bio,
                                  specialty=specialty, department_id=departments[department],
                                  fee=Decimal(fee))
        for weekdays, (start, end), minutes, capacity in sessions:
            for weekday in weekdays:
                save_template(work, expert_id, weekday=weekday, start=start, end=end,
                              slot_minutes=minutes, capacity_per_slot=capacity,
                              valid_from=work.desk.today)
