"""What a person who declines said, and the facts that answer it (SPEC §15).

An objection is recorded as what the person said, from a fixed list the hospital can
extend (``FOLLOWUP_EXTRA_OBJECTIONS``). The desk answers with facts — the fee, 医保, the
route, the hours, other places — never with a persuasion script: the card shows the facts
that bear on the objection, and only those the desk really holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.common.refusals import Invalid

from .statuses import Outcome

#: The fixed list (SPEC §15), in the order the card offers it.
STANDARD = ("price", "distance", "time", "treated_elsewhere", "wants_to_think",
            "family_decides", "distrust", "other")

#: Which of the facts the desk holds answer each objection (none for a choice made: the
#: person was treated elsewhere, or something else the note says).
ANSWERED_BY: Mapping[str, tuple[str, ...]] = {
    "price": ("fee", "insurance"),
    "distance": ("address", "directions", "parking"),
    "time": ("alternatives", "hours"),
    "treated_elsewhere": (),
    "wants_to_think": ("hospital_phone",),
    "family_decides": ("hospital_phone", "address"),
    "distrust": ("expert", "department", "hospital_phone"),
    "other": (),
}


@dataclass(frozen=True)
class ExtraObjection:
    """One the hospital added: its code and words in both languages."""

    code: str
    zh: str
    en: str


def parse_extra(text: str) -> tuple[ExtraObjection, ...]:
    """``code=中文=English;…`` (the setting); a malformed or standard entry is skipped,
    so a typo in the setting never hides the fixed list."""
    found: list[ExtraObjection] = []
    for entry in text.split(";"):
        parts = [p.strip() for p in entry.split("=")]
        if len(parts) != 3 or not all(parts) or parts[0] in STANDARD \
                or not parts[0].replace("_", "").isalnum() or len(parts[0]) > 24:
            continue
        found.append(ExtraObjection(parts[0], parts[1], parts[2]))
    return tuple(found)


def check_objection(outcome: Outcome, objection: str | None, note: str,
                    kinds: tuple[str, ...]) -> str | None:
    """The objection a call keeps: required on ``declined`` and only there, one of
    ``kinds``; ``other`` says what in the note."""
    if outcome != Outcome.DECLINED:
        if objection:
            raise Invalid("objection_only_on_declined",
                          "An objection is recorded with a declined call only.",
                          field="objection")
        return None
    if not objection:
        raise Invalid("objection_required", "Say what the person said: the objection.",
                      field="objection")
    if objection not in kinds:
        raise Invalid("unknown_objection", "This is not one of the hospital's objections.",
                      field="objection")
    if objection == "other" and not note.strip():
        raise Invalid("objection_note_required", "Say in the note what the person said.",
                      field="note")
    return objection


def answers(kind: str, facts: Mapping[str, str]) -> list[tuple[str, str]]:
    """The facts (name, value) that answer ``kind``, those the desk holds only."""
    return [(name, facts[name]) for name in ANSWERED_BY.get(kind, ()) if facts.get(name)]
