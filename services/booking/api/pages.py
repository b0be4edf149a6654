"""Booking's pages: the consultant console, the front-desk roster, the manager's counts."""

from __future__ import annotations

from flask import Blueprint, render_template

from services.common.pages import current_language, page
from services.common.unit_of_work import reading

from ..config import runtime
from .ui_text import shown_notes

pages = Blueprint("booking_pages", __name__, template_folder="../templates",
                  static_folder="../static", static_url_path="/static/booking")


def hospital_today() -> str:
    with reading(runtime(), "page") as w:
        return w.desk.today.isoformat()


@pages.get("/console")
@page("consultant", "frontdesk")
def console() -> str:
    return render_template("console.html", today=hospital_today(),
                           notes=shown_notes(current_language()),
                           stream=runtime().settings.stream_address)


@pages.get("/roster")
@page("frontdesk", "manager", "admin")
def roster() -> str:
    return render_template("roster.html", today=hospital_today())


@pages.get("/stats")
@page("manager", "admin")
def stats() -> str:
    # Followup's address: the page shows its enquiry funnel beside booking's counts.
    return render_template("stats.html", today=hospital_today(),
                           services={"followup": runtime().settings.followup_url})
