"""Who a patient is, as every service compares them (SPEC §8)."""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """How names are compared: trimmed, inner spaces collapsed, full-width folded (NFKC),
    case-folded — ``" ＬＩ  ｗｅｉ "`` is ``li wei``. The same phone and the same
    ``name_key`` are the same patient."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()
