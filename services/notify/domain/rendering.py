"""Jinja2 templates per event, channel and language, with the hospital's overrides first.

Templates live in ``templates/messages/<language>/<template>.<channel>.j2`` (and
``<template>.email.subject.j2``). A folder named by ``TEMPLATE_DIR`` with the same
layout overrides any of them. A template that refers to a fact the event does
not carry fails loudly instead of sending a message with a blank in it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
)

from .sms import segments
from .visit import Visit

LANGUAGES = ("zh-CN", "en")
WEEKDAYS = {"zh-CN": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
REASONS = {
    "zh-CN": {"patient": "应您的要求", "hospital": "医院安排调整",
              "expert_unavailable": "医生停诊"},
    "en": {"patient": "at your request", "hospital": "a change at the hospital",
           "expert_unavailable": "the doctor is unavailable"},
}
#: Cancelled by the hospital: the notice tells how to book again even with no place offered.
BY_THE_HOSPITAL = ("hospital", "expert_unavailable")


def reason_text(reason: str, note: str, language: str) -> str:
    """Why the visit is cancelled, as the patient is told. A 停诊 (leave, or the expert's
    deactivation) carries the reason the admin typed for the patients
    (停诊原因（告知患者）) as its note: that is the reason, not a stock phrase — "临时"
    was false for an expert who left. Without a note, a neutral 医生停诊."""
    said = REASONS[language].get(reason, "")
    if reason != "expert_unavailable" or not note:
        return said
    return note if language == "zh-CN" else f"{said}: {note}"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    segments: int


def when(moment: datetime, language: str) -> str:
    """``11月24日（周二）09:00`` or ``Tue 24 Nov 09:00``, in the moment's own zone."""
    if language == "zh-CN":
        return f"{moment.month}月{moment.day}日（周{WEEKDAYS['zh-CN'][moment.weekday()]}）" \
               f"{moment:%H:%M}"
    return f"{WEEKDAYS['en'][moment.weekday()]} {moment.day} {moment:%b %H:%M}"


NO_HOSPITAL = {"name": "", "address": "", "directions": "", "phone": ""}
NO_DEPARTMENT = {"name": "", "location": ""}


def context(visit: Visit, language: str) -> dict[str, Any]:
    """What templates may say: only facts the event carried, dates in hospital time."""
    zone = visit.zone
    start, end = visit.start.astimezone(zone), visit.end.astimezone(zone)
    values: dict[str, Any] = {
        "hospital": visit.hospital or NO_HOSPITAL, "department": visit.department or NO_DEPARTMENT,
        "expert": visit.expert, "patient_name": visit.patient.name,
        "when": when(start, language), "time": f"{start:%H:%M}", "end": f"{end:%H:%M}",
        "queue_number": visit.queue_number, "code": visit.code, "link": visit.link,
        "reason_text": "", "note": "", "by_hospital": False, "alternatives": [],
        "previous_when": "", "from_waitlist": visit.from_waitlist,
    }
    cancellation = visit.cancellation
    if cancellation is not None:
        note = (cancellation.note or "").strip()
        values.update(
            reason_text=reason_text(cancellation.reason, note, language), note=note,
            by_hospital=cancellation.reason in BY_THE_HOSPITAL,
            alternatives=[{"expert_name": a.expert_name, "slot_id": a.slot_id,
                           "when": when(a.start.astimezone(zone), language)}
                          for a in cancellation.offers])
    if visit.previous_start is not None:
        values["previous_when"] = when(visit.previous_start.astimezone(zone), language)
    return values


class Renderer:
    """Renders one template for one channel and language."""

    def __init__(self, override_dir: str = "", default_language: str = "zh-CN") -> None:
        loaders: list[BaseLoader] = [FileSystemLoader(override_dir)] if override_dir else []
        loaders.append(PackageLoader("services.notify", "templates/messages"))
        self.env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                               autoescape=False, keep_trailing_newline=False)
        self.default_language = default_language

    def language(self, wanted: str | None) -> str:
        return wanted if wanted in LANGUAGES else self.default_language

    def render(self, template: str, channel: str, language: str, visit: Visit) -> Rendered:
        values = context(visit, language)
        body = self._get(language, f"{template}.{channel}.j2").render(values).strip()
        subject = ""
        if channel == "email":
            subject = " ".join(self._get(language, f"{template}.email.subject.j2")
                               .render(values).split())
        return Rendered(subject, body, segments(body) if channel == "sms" else 0)

    def _get(self, language: str, name: str) -> Any:
        try:
            return self.env.get_template(f"{language}/{name}")
        except TemplateNotFound:
            return self.env.get_template(f"{self.default_language}/{name}")


@functools.lru_cache(maxsize=16)
def renderer(override_dir: str = "", default_language: str = "zh-CN") -> Renderer:
    """One renderer per template folder, shared by the planner and the sender of every
    runtime: its environment keeps each template compiled (and Jinja looks again at a
    changed override file), so a planner may be made for each event at no cost."""
    return Renderer(override_dir, default_language)
