"""``/p/{token}``: the page a patient's messages link to. Every outcome — a cancellation,
a move, a refusal, a dead link — is a page in the patient's language, and each change
is a form post answered with a redirect (post-redirect-get), so a reload never sends it
again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from services.common.db import Conflict
from services.common.refusals import NotFound, Refusal
from services.common.unit_of_work import Work, reading

from ..config import runtime
from ..domain.patient_link import InvalidLink
from ..domain.rules import Invalid
from .patient_link import (
    PATIENT,
    cancel_by_patient,
    changed_once,
    move_by_patient,
    show,
)
from .ui_text import PATIENT_ENGLISH

pages = Blueprint("patient_pages", __name__)
LANGUAGES = ("zh-CN", "en")
STATUSES = {"booked": "已预约", "checked_in": "已报到", "completed": "已就诊",
            "cancelled": "已取消", "no_show": "未到诊"}
REASONS = {"hospital": "医院停诊", "expert_unavailable": "专家停诊"}
#: The heading of a visit the hospital cancelled, by what happened: 停诊 only for the
#: expert's leave; a single cancellation for the hospital's reasons says so.
HEADINGS = {"expert_unavailable": "停诊", "hospital": "医院取消了这次预约"}
#: Texts these pages show from here (through ``say``); their English is in
#: ``ui_text.PATIENT_ENGLISH``.
TEXTS = {
    "hospital_reason": "原因",
    "replaced": "您已有新的预约",
    "replaced_sms": "新的预约另有短信通知，请用那条短信里的链接查看、取消或改约。"
                    "这个旧链接不再提供可预约的时间。",
    "rebook_cancel_until": "预约后，在此时间前仍可在线取消：",
    "cancelled_visit": "已取消的时间",
}
#: What each refusal means to a patient (the codes of the refusals of a patient's change).
REFUSALS = {
    "too_late": "已超过在线取消或改约的时间，如需更改请致电医院。",
    "wrong_status": "这次预约已不能在线更改。",
    "slot_full": "这个时间刚刚约满了，请选择其他时间。",
    "not_offered": "这个时间不在可改约的范围内，请从下方选择。",
    "duplicate": "您当天已预约了这位医生。",
    "closed": "这个时间已停止预约，请选择其他时间。",
    "not_released": "这个时间还未放号，请选择其他时间。",
    "same_slot": "您已经预约在这个时间。",
    "slot_cancelled": "这个时间已停诊，请选择其他时间。",
    "conflict": "没有成功，请刷新页面后再试。",
    "too_soon": "这个时间离现在太近，改约后将不能在线取消，请选择其他时间。",
    "replaced": "您已有新的预约，这个旧链接不能再预约。新的预约见下方。",
}
WEEKDAYS = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_words(day: date, today: date, language: str) -> str:
    """The day as a patient reads it: 今天/明天 when it is, and always the weekday —
    ``明天 3月6日 周四``, ``Tomorrow, Thu 6 Mar``."""
    near = (day - today).days
    if language == "en":
        named = f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
        if day.year != today.year:
            named += f" {day.year}"
        return {0: f"Today, {named}", 1: f"Tomorrow, {named}"}.get(near, named)
    named = f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"
    if day.year != today.year:
        named = f"{day.year}年{named}"
    return {0: f"今天 {named}", 1: f"明天 {named}"}.get(near, named)


def when_words(today: date, language: str) -> Any:
    """``when(start[, end])`` for the templates: the day in words and the time, the time
    kept on one line."""
    def when(start: datetime, end: datetime | None = None) -> Markup:
        until = f"–{end:%H:%M}" if end is not None else ""
        return Markup('{} <span class="time">{}</span>').format(
            day_words(start.date(), today, language), f"{start:%H:%M}{until}")
    return when


def wanted_language(default: str) -> str:
    chosen = request.args.get("lang") or request.form.get("lang")
    return chosen if chosen in LANGUAGES else default


def translator(language: str) -> Any:
    if language == "zh-CN":
        return lambda text: text
    return lambda text: PATIENT_ENGLISH.get(text, text)


def render(name: str, language: str, status: int = 200, **values: Any) -> Any:
    view = values.get("view")
    when = when_words(view["today"], language) if view else None
    return render_template(name, say=translator(language), lang=language, statuses=STATUSES,
                           reasons=REASONS, headings=HEADINGS, texts=TEXTS, refusals=REFUSALS,
                           when=when, **values), status


def dead_link() -> Any:
    """The link is wrong or has expired: say so, and how to reach the hospital."""
    with reading(runtime(), PATIENT) as w:
        hospital = w.desk.hospital
    accepted = request.accept_languages.best_match(["zh-CN", "zh", "en"]) or "zh-CN"
    language = wanted_language("en" if accepted == "en" else "zh-CN")
    return render("patient_invalid.html", language, 404, hospital=hospital)


def back(token: str, language: str, **outcome: str) -> Response:
    query = urlencode({"lang": language, **outcome})
    return redirect(f"{url_for('patient_pages.appointment', token=token)}?{query}", code=303)


@pages.get("/p/<token>")
def appointment(token: str) -> Any:
    try:
        view = show(token)
    except InvalidLink:
        return dead_link()
    language = wanted_language(view["language"])
    return render("patient_link.html", language, view=view, token=token,
                  done=request.args.get("done"), error=request.args.get("error"))


@pages.get("/p/<token>/cancel")
def confirm_cancel(token: str) -> Any:
    """Cancelling asks first: one tap in an SMS must not cancel a visit. Its form carries
    a key of its own, so the cancel it asks about is made once however often it is sent."""
    try:
        view = show(token)
    except InvalidLink:
        return dead_link()
    language = wanted_language(view["language"])
    if not view["can_cancel"]:
        return back(token, language, error="too_late" if view["status"] == "booked"
                    else "wrong_status")
    return render("patient_cancel.html", language, view=view, token=token,
                  form_key=uuid.uuid4().hex)


@pages.post("/p/<token>/cancel")
def do_cancel(token: str) -> Any:
    return change(token, "cancelled", "page-cancel", {},
                  lambda w: cancel_by_patient(w, token))


@pages.get("/p/<token>/reschedule")
def confirm_move(token: str) -> Any:
    """Moving asks first, naming the new day (今天/明天 and the weekday) and time: one tap
    on a place must not move a visit."""
    try:
        view = show(token)
    except InvalidLink:
        return dead_link()
    language = wanted_language(view["language"])
    slot = request.args.get("slot_id", "")
    place = next((p for p in view["alternatives"] if str(p["slot_id"]) == slot), None)
    if place is None:
        if view["replaced_by"]:
            return back(token, language, error="replaced")
        if view["can_cancel"] or view["cancelled_by_hospital"]:
            return back(token, language, error="not_offered")
        return back(token, language, error="too_late" if view["status"] == "booked"
                    else "wrong_status")
    # The cut-off keeps its distance from the start: the new place may be cancelled
    # online until as long before it as the current one.
    # The form's key: the one change this page asks about, however often it is sent.
    return render("patient_reschedule.html", language, view=view, token=token, place=place,
                  place_cancel_until=place["start"] - (view["start"] - view["cancel_until"]),
                  form_key=uuid.uuid4().hex)


@pages.post("/p/<token>/reschedule")
def do_move(token: str) -> Any:
    slot = request.form.get("slot_id", "")
    if not slot.isdigit() or len(slot) > 10:
        return change(token, "", "page-reschedule", {}, not_offered)
    if request.form.get("confirmed") != "1":  # a form without the question: ask it first
        language = request.form.get("lang", "")
        query = urlencode({"slot_id": slot, **({"lang": language}
                                               if language in LANGUAGES else {})})
        return redirect(f"{url_for('patient_pages.confirm_move', token=token)}?{query}",
                        code=303)
    return change(token, "rescheduled", "page-reschedule", {"slot_id": int(slot)},
                  lambda w: move_by_patient(w, token, int(slot)))


def not_offered(_work: Work[Any]) -> None:
    raise Invalid("not_offered", "This place is not one of those offered.")


def change(token: str, done: str, endpoint: str, data: Any,
           step: Callable[[Work[Any]], Any]) -> Any:
    """Make the change, once per the key the form carries (a double tap, or a browser
    sending the form again, is answered as the first was); answer with a redirect to the
    appointment, saying how it went."""
    try:
        view = show(token)
    except InvalidLink:
        return dead_link()
    language = wanted_language(view["language"])
    if endpoint == "page-reschedule" and view["replaced_by"]:
        return back(token, language, error="replaced")
    try:
        changed_once(endpoint, token, data, step, key=request.form.get("key", ""))
    except InvalidLink:
        return dead_link()
    except (NotFound, Conflict):
        return back(token, language, error="conflict")
    except Refusal as refused:
        return back(token, language, error=refused.code)
    return back(token, language, done=done)
