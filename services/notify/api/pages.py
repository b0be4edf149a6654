"""``/outbox``: the dev outbox page — the SMS and emails the embedded default "sent"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from services.common.hospital_copy import hospital_zone
from services.common.pages import page

from ..config import runtime
from ..models import Hospital
from ..reads.messages import dev_outbox

#: English for the dev outbox page (the Chinese text is the key).
ENGLISH = {
    "开发发件箱": "Dev outbox", "还没有消息。": "Nothing yet.",
    "嵌入式默认模式下，短信和邮件写在这里，不会真正发出。":
        "Under the embedded default, SMS and emails are written here and never really sent.",
    "短信": "SMS", "邮件": "Email",
}

pages = Blueprint("outbox_pages", __name__, template_folder="../templates")


@pages.get("/outbox")
@page("admin")
def outbox() -> Any:
    """Newest first, times on the hospital's clock, recipients masked as in every list;
    only outside production, where nothing here reaches a patient.

    An admin's page: the bodies are the whole SMS and emails, patient links included,
    which no list shows to other staff (a manager never sees a link, SPEC §8); other
    roles get the page that says who may see it (403)."""
    rt = runtime()
    if rt.settings.is_production:
        abort(404)
    with rt.db.reading() as session:
        items = dev_outbox(session, hospital_zone(session, Hospital,
                                                  rt.settings.default_time_zone))
    return render_template("outbox.html", items=items)
