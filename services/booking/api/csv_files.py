"""CSV downloads for spreadsheets: a BOM so they read Chinese, no cell a spreadsheet
would run as a formula, and headers and words in the language of the page that asked
(``current_language()``: ``?lang=`` or the page's cookie, Chinese by default) — the same
words the roster and statistics pages show, not the API's codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

from services.common.pages import current_language
from services.common.refusal_words import Words

#: What a spreadsheet takes as the start of a formula (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: An appointment's status as the roster shows it.
STATUS_WORDS = {
    "booked": Words("待诊", "waiting"), "checked_in": Words("已报到", "arrived"),
    "completed": Words("已就诊", "seen"), "no_show": Words("爽约", "no-show"),
    "cancelled": Words("已取消", "cancelled"),
}
#: How the appointment was made, as the statistics page names it.
CHANNEL_WORDS = {
    "chat": Words("在线咨询", "online chat"), "phone": Words("电话", "phone"),
    "wechat": Words("微信", "WeChat"), "qq": Words("QQ", "QQ"), "other": Words("其他", "other"),
    "walk_in": Words("现场挂号", "walk-in"), "fhir": Words("对接系统", "hospital system"),
}
YES = Words("是", "yes")


def chinese() -> bool:
    return current_language() != "en"


def said(words: Words) -> str:
    return words.zh if chinese() else words.en


def word(table: dict[str, Words], code: str | None) -> str:
    """The code's word in the page's language; an unknown code as it is."""
    return said(table[code]) if code in table else (code or "")


def percent(rate: float | None) -> str:
    """0.5 → ``50.0%`` (a spreadsheet reads it as a percentage); nothing when undecided."""
    return "" if rate is None else f"{rate * 100:.1f}%"


def cell(value: Any) -> Any:
    """A value a spreadsheet shows as text: ``=HYPERLINK(…)`` as a name stays a name."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell("" if value is None else value) for value in row])
    return out.getvalue()


def csv_download(columns: Sequence[Words], rows: Iterable[Sequence[Any]], name: str) -> Response:
    """The file, its header row in the page's language."""
    return Response(csv_text([said(column) for column in columns], rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
