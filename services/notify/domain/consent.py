"""Who may be written to: consent, and the opt-out keywords patients reply with."""

from __future__ import annotations

import re
import unicodedata

OPT_OUT_KEYWORDS = frozenset({"TD", "退订", "STOP"})


def is_opt_out(reply: str) -> bool:
    """A reply that is one of the keywords, whatever the case, spacing or punctuation, and
    in full-width letters too (``ＴＤ``, as a Chinese input method in full-width mode sends)."""
    folded = unicodedata.normalize("NFKC", reply or "")
    word = re.sub(r"[\s\.\,\!\?。，！？]+", "", folded).upper()
    return word in OPT_OUT_KEYWORDS


def refusal(channel: str, consented: bool, recipient: str | None, opted_out: bool,
            reachable: bool = True) -> str | None:
    """Why this message must not go, or None when it may. ``reachable`` is False for an
    SMS to a number that cannot take one (a landline): it is logged, never "sent"."""
    if not recipient:
        return f"no {channel} address"
    if not reachable:
        return "not a mobile number"
    if not consented:
        return f"no {channel} consent"
    if opted_out:
        return "opted out"
    return None
