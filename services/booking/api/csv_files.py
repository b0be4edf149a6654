"""CSV downloads for spreadsheets: a BOM so they read Chinese, and no cell a spreadsheet
would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

#: What a spreadsheet takes as the start of a formula (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def csv_download(columns: Sequence[str], rows: Iterable[Sequence[Any]], name: str) -> Response:
    return Response(csv_text(columns, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
