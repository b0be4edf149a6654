"""Followup's pages: the consultants' worklist and the enquiry form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, g, render_template

from services.common.pages import page
from services.common.unit_of_work import reading

from ..config import runtime
from ..domain.answers import TOPICS
from ..reads.directory import active_departments
from .enquiries import CHANNELS

pages = Blueprint("followup_pages", __name__, template_folder="../templates",
                  static_folder="../static", static_url_path="/static/followup")

CHANNEL_NAMES = {"chat": "在线咨询", "phone": "电话", "wechat": "微信", "qq": "QQ",
                 "walk_in": "到院", "other": "其他"}


def context() -> dict[str, Any]:
    """What both pages show: the hospital's clock and calling hours, where the console is."""
    rt = runtime()
    with reading(rt, "page") as w:
        desk = w.desk
        departments = active_departments(w.session)
    hours = desk.rules.hours
    return {"zone": desk.zone.key, "today": desk.today.isoformat(),
            "services": {"booking": rt.settings.booking_url},
            "calling_hours": f"{hours.start:%H:%M}–{hours.end:%H:%M}",
            "max_attempts": desk.rules.max_attempts, "departments": departments,
            "spacing_hours": f"{desk.rules.spacing / timedelta(hours=1):g}",
            "enquiry_hours": f"{desk.rules.enquiry_wait / timedelta(hours=1):g}",
            "channels": CHANNELS, "channel_names": CHANNEL_NAMES,
            "extra_objections": {o.code: {"zh": o.zh, "en": o.en}
                                 for o in rt.settings.extra_objections}}


@pages.get("/worklist")
@page("consultant")
def worklist() -> str:
    return render_template("worklist.html", **context())


@pages.get("/answers")
@page("consultant", "admin", "manager")
def answers() -> str:
    return render_template("answers.html", **context(), topics=TOPICS,
                           is_admin="admin" in g.principal.roles)


@pages.get("/complaints")
@page("consultant", "frontdesk", "manager", "admin")
def complaints() -> str:
    roles = g.principal.roles
    return render_template("complaints.html", **context(),
                           is_manager=bool({"manager", "admin"} & set(roles)),
                           can_record=bool({"consultant", "frontdesk"} & set(roles)),
                           can_choose_owner="consultant" in roles)


@pages.get("/enquiry")
@page("consultant")
def enquiry() -> str:
    return render_template("enquiry.html", **context())
