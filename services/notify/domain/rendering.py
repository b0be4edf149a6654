"""Jinja2 templates per event, channel and language, with the hospital's overrides first.

Email templates live in ``templates/messages/<language>/<template>.email.j2`` (and
``<template>.email.subject.j2``). A folder named by ``TEMPLATE_DIR`` with the same
layout overrides any of them. An SMS is a template registered with the carrier platform
(:mod:`.sms_templates`, ``sms-templates.toml``), filled here as the platform fills it.
A template that refers to a fact the event does not carry fails loudly instead of
sending a message with a blank in it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
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

from services.common.config import ConfigError

from . import sms_templates
from .sms_templates import Filled, Registry
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
    #: An SMS: the registered template filled (kind, code, variables, signature).
    sms: Filled | None = None


def sms_kind(template: str, visit: Visit) -> str:
    """Which registered SMS template tells this: a confirmation from the waiting list
    says so; a cancellation with places offered, or by the hospital, says more."""
    if template == "confirmation":
        return "waitlist" if visit.from_waitlist else "confirmation"
    cancellation = visit.cancellation
    if template == "cancellation" and cancellation is not None:
        if cancellation.offers:
            return "cancellation_offers"
        if cancellation.reason in BY_THE_HOSPITAL:
            return "cancellation_hospital"
    return template


#: Every message kind an SMS is sent for (the start-up check looks at each).
SMS_KINDS = ("confirmation", "waitlist", "reminder", "cancellation", "cancellation_hospital",
             "cancellation_offers", "reschedule")


def sms_values(visit: Visit, language: str) -> dict[str, str]:
    """The registered templates' variables, from the same facts the other templates see."""
    told = context(visit, language)
    expert, department, hospital = visit.expert, visit.department, visit.hospital
    offers = told["alternatives"]
    offer = ""
    if offers:
        offer = f"{offers[0]['when']} {offers[0]['expert_name']}"
        if len(offers) > 1:
            offer += f"等{len(offers)}个" if language == "zh-CN" \
                else f" and {len(offers) - 1} more"
    return {
        "name": visit.patient.name, "when": told["when"], "time": told["time"],
        "previous_when": told["previous_when"], "department": department.name if department else "",
        "expert": f"{expert.name}{expert.title}" if language == "zh-CN"
        else " ".join(x for x in (expert.title, expert.name) if x),
        "number": str(visit.queue_number), "code": visit.code,
        "address": hospital.address if hospital else "",
        "directions": hospital.directions if hospital else "",
        "phone": hospital.phone if hospital else "", "reason": told["reason_text"], "offer": offer,
    }


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

    def __init__(self, override_dir: str = "", default_language: str = "zh-CN", *,
                 provider: str = "outbox", sign_name: str = "",
                 registry: Registry | None = None) -> None:
        self.registry = registry or sms_templates.load(override_dir)
        self.provider, self.sign_name = provider, sign_name
        self.override_dir = override_dir
        loaders: list[BaseLoader] = [FileSystemLoader(override_dir)] if override_dir else []
        loaders.append(PackageLoader("services.notify", "templates/messages"))
        self.env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                               autoescape=False, keep_trailing_newline=False)
        self.default_language = default_language

    def language(self, wanted: str | None) -> str:
        return wanted if wanted in LANGUAGES else self.default_language

    def render(self, template: str, channel: str, language: str, visit: Visit) -> Rendered:
        """The message's text; an SMS is its registered template filled (raises
        :class:`~.sms_templates.Unfillable` when that cannot be done within the limits)."""
        if channel == "sms":
            return self.render_sms(template, language, visit)
        values = context(visit, language)
        body = self._get(language, f"{template}.{channel}.j2").render(values).strip()
        subject = ""
        if channel == "email":
            subject = " ".join(self._get(language, f"{template}.email.subject.j2")
                               .render(values).split())
        return Rendered(subject, body, 0)

    def render_sms(self, template: str, language: str, visit: Visit) -> Rendered:
        # The signature: the registered one, or (development) the hospital's name.
        sign = self.sign_name or (visit.hospital.name if visit.hospital else "")
        filled = self.registry.fill(sms_kind(template, visit), language,
                                    sms_values(visit, language), link=visit.link,
                                    provider=self.provider, sign_name=sign)
        return Rendered("", filled.body, filled.segments, filled)

    def check(self, production: bool = False) -> None:
        """At start-up: every SMS kind and language can be filled for this provider."""
        stale = sorted(str(p.relative_to(self.override_dir))
                       for p in Path(self.override_dir).glob("*/*.sms.j2")) \
            if self.override_dir else []
        if stale:
            raise ConfigError(f"TEMPLATE_DIR has {', '.join(stale)}: SMS texts are the "
                              f"registered templates of {sms_templates.FILE_NAME} now")
        sms_templates.check(self.registry, SMS_KINDS, self.provider, self.sign_name,
                            production)

    def _get(self, language: str, name: str) -> Any:
        try:
            return self.env.get_template(f"{language}/{name}")
        except TemplateNotFound:
            return self.env.get_template(f"{self.default_language}/{name}")


@functools.lru_cache(maxsize=16)
def renderer(override_dir: str = "", default_language: str = "zh-CN", provider: str = "outbox",
             sign_name: str = "") -> Renderer:
    """One renderer per template folder, shared by the planner and the sender of every
    runtime: its environment keeps each template compiled (and Jinja looks again at a
    changed override file), so a planner may be made for each event at no cost."""
    return Renderer(override_dir, default_language, provider=provider, sign_name=sign_name)
