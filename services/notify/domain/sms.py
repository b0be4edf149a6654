"""How many SMS segments a text costs (SPEC §6).

One SMS holds 160 GSM-7 characters or 70 UCS-2 ones. A longer text is sent in parts,
each of which gives up room to a header (UDH) that says how to join them: 153 GSM-7 or
67 UCS-2 characters a part. A Chinese text of 71 characters is two parts, not one.
"""

from __future__ import annotations

import math

# The GSM 03.38 default alphabet and its extension table (extension characters take two).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def encoding(text: str) -> str:
    """``GSM-7`` when every character fits the GSM alphabet, else ``UCS-2``."""
    return "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text) else "UCS-2"


#: (units one SMS holds, units each part of a longer text holds)
CAPACITY = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def segments(text: str) -> int:
    """Segments the text needs."""
    if not text:
        return 0
    kind = encoding(text)
    if kind == "GSM-7":
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    else:  # UCS-2 counts UTF-16 code units: a character outside the BMP takes two
        units = len(text.encode("utf-16-le")) // 2
    single, part = CAPACITY[kind]
    return 1 if units <= single else math.ceil(units / part)
