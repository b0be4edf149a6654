"""The demo's shared answers (统一回答口径), loaded with the demo hospital by ``make run`` in
development only: a fresh desk then shows what the page is for. Never in production."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from services.common.event_handlers import SYSTEM
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work

from ..models import SharedAnswer
from .answers import add

log = logging.getLogger(__name__)

#: topic, question, answer: the demo hospital's (仁和医院) own facts, nothing promised that
#: the demo does not do, and no diagnosis or medicine online.
DEMO_ANSWERS = (
    ("fees", "挂号费是多少？",
     "挂号费按专家职称不同，预约时页面上显示每位专家的挂号费；检查和药品费用由医生开具后在院内缴纳。"),
    ("insurance", "能用医保吗？",
     "门诊可以使用医保卡结算，请就诊时带上医保卡；异地医保请先在参保地办理备案。"),
    ("route", "医院怎么走？",
     "仁和医院在上海市黄浦区示范路 100 号：地铁 2 号线人民广场站 3 号口出，步行 5 分钟；"
     "到门诊楼一楼挂号处报到。"),
    ("parking", "可以停车吗？",
     "停车请以医院现场指引为准；就诊高峰车位紧张，建议乘坐地铁（2 号线人民广场站）前来。"),
    ("preparing", "就诊前要准备什么？",
     "请带身份证、医保卡和以往的病历、检查报告；请提前到门诊楼一楼挂号处报到。"),
    ("online_limits", "能在网上帮我看看病或开点药吗？",
     "网上和电话里不能诊断，也不能开药或调整用药；请预约到院就诊，由医生当面诊治。"
     "如有胸痛、呼吸困难等急症，请立即拨打 120 或到急诊。"),
)


def load_demo_answers(rt: Runtime[Any]) -> bool:
    """Add the demo's shared answers unless the desk has any answer already."""
    with unit_of_work(rt, SYSTEM) as work:
        if work.session.scalar(select(SharedAnswer.id).limit(1)) is not None:
            return False
        for topic, question, answer in DEMO_ANSWERS:
            add(work.session, work.desk, topic=topic, question=question, answer=answer)
    log.info("demo shared answers loaded: %d", len(DEMO_ANSWERS))
    return True
