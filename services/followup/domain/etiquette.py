"""Phone etiquette on the call card (SPEC §15): the honest greeting and the facts to
repeat back at the end. Etiquette, never pressure: who calls, from where, why, and
whether now is a good time; then the facts of what was agreed, said back to be sure.
Pieces only — the page says them in its language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .statuses import TaskKind


@dataclass(frozen=True)
class Greeting:
    """What the desk says first: the hospital, the caller's own name, why we call."""

    hospital: str
    caller: str
    why: str  # the task's kind: the missed visit, the cancelled visit, the enquiry
    about: str  # the day of that visit or enquiry (hospital time), when known
    expert: str


def greeting(kind: str, hospital: str, caller: str, context: dict[str, Any],
             zone: ZoneInfo) -> Greeting:
    """The greeting for a task of ``kind``: for an enquiry the day they asked (and
    agreed to be called back), else the day of the visit missed or cancelled."""
    moment = context.get("asked_at") if kind == TaskKind.ENQUIRY else context.get("start")
    return Greeting(hospital=hospital, caller=caller, why=str(TaskKind(kind)),
                    about=local_day(moment, zone),
                    expert="" if kind == TaskKind.ENQUIRY else str(context.get("expert") or ""))


def local_day(moment: Any, zone: ZoneInfo) -> str:
    if not moment:
        return ""
    try:
        return datetime.fromisoformat(str(moment)).astimezone(zone).date().isoformat()
    except ValueError:
        return ""


#: What is repeated back, in the order it is said.
REPEATED = ("date", "time", "place", "code")


def repeat_back(start: datetime | None, place: str, code: str,
                zone: ZoneInfo) -> list[tuple[str, str]]:
    """The facts to say back at the end — date, time, place, code — those known."""
    local = start.astimezone(zone) if start else None
    facts = {"date": local.date().isoformat() if local else "",
             "time": f"{local:%H:%M}" if local else "", "place": place, "code": code}
    return [(name, facts[name]) for name in REPEATED if facts[name]]
