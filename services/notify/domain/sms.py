"""How many SMS segments a text costs (SPEC §6: 160 GSM-7 or 70 UCS-2 characters each)."""

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


def segments(text: str) -> int:
    """Segments the text needs: units over 160 (GSM-7) or characters over 70 (UCS-2)."""
    if not text:
        return 0
    if encoding(text) == "GSM-7":
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return math.ceil(units / 160)
    # UCS-2 counts UTF-16 code units: a character outside the BMP takes two
    units = len(text.encode("utf-16-le")) // 2
    return math.ceil(units / 70)
