"""Draw the clinic's Grafana dashboard as an SVG from a real Prometheus, without Grafana.

``.venv/bin/python -m tools.plot_dashboard http://127.0.0.1:9090 30 docs/images/dashboard.svg``
asks the Prometheus for the last 30 minutes of every panel's queries in
``deploy/grafana/dashboards/clinic.json`` (the same expressions and legends) and draws
each panel as a small line chart: what docs/operations.md shows of the dashboard.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import requests

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy/grafana/dashboards/clinic.json"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
WIDTH, HEIGHT, COLUMNS = 520, 250, 2

Series = tuple[str, list[tuple[float, float]]]


def query(prometheus: str, expr: str, legend: str, start: float, end: float) -> list[Series]:
    params: dict[str, str | float] = {"query": expr, "start": start, "end": end,
                                      "step": max((end - start) / 120, 1)}
    answer = requests.get(f"{prometheus}/api/v1/query_range", timeout=30, params=params)
    answer.raise_for_status()
    found = []
    for result in answer.json()["data"]["result"]:
        name = fill(legend, result["metric"])
        points = [(float(t), float(v)) for t, v in result["values"] if v not in ("NaN", "+Inf")]
        if points:
            found.append((name.strip() or expr, points))
    return found


def fill(legend: str, labels: dict[str, str]) -> str:
    """Grafana's ``{{label}}`` legend with the series' labels."""
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), legend)


def panel_svg(title: str, series: list[Series], x: int, y: int, unit: str) -> str:
    left, top, plot_w, plot_h = x + 50, y + 28, WIDTH - 70, HEIGHT - 100
    parts = [f'<rect x="{x + 4}" y="{y + 4}" width="{WIDTH - 8}" height="{HEIGHT - 8}" '
             'fill="#fff" stroke="#ccc"/>',
             f'<text x="{x + 12}" y="{y + 20}" font-size="13" font-weight="bold">'
             f'{escape(title)}</text>']
    points = [p for _, values in series for p in values]
    if not points:
        parts.append(f'<text x="{left}" y="{top + 40}" fill="#888">no data</text>')
        return "".join(parts)
    t0, t1 = min(t for t, _ in points), max(t for t, _ in points)
    high = max(max(v for _, v in points), 1e-9)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#999"/>')
    for fraction in (0.0, 0.5, 1.0):
        label = f"{high * fraction:.3g}{'s' if unit == 's' else ''}"
        parts.append(f'<text x="{x + 8}" y="{top + plot_h * (1 - fraction) + 4}" '
                     f'font-size="10" fill="#555">{label}</text>')
    for n, (name, values) in enumerate(series[:len(COLOURS)]):
        path = " ".join(f"{left + plot_w * (t - t0) / max(t1 - t0, 1):.1f},"
                        f"{top + plot_h * (1 - v / high):.1f}" for t, v in values)
        colour = COLOURS[n]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{path}"/>')
        lx, ly = x + 12 + (n % 3) * 168, y + HEIGHT - 58 + (n // 3) * 14
        parts.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="3" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{ly - 3}" font-size="10">'
                     f'{escape(name[:28])}</text>')
    minutes = (t1 - t0) / 60
    parts.append(f'<text x="{left + plot_w - 60}" y="{top + plot_h + 14}" font-size="10" '
                 f'fill="#555">last {minutes:.0f} min</text>')
    return "".join(parts)


def draw(prometheus: str, minutes: float) -> str:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    end = time.time()
    start = end - 60 * minutes
    panels = dashboard["panels"]
    rows = (len(panels) + COLUMNS - 1) // COLUMNS
    body = []
    for n, panel in enumerate(panels):
        series = [s for target in panel["targets"]
                  for s in query(prometheus, target["expr"], target.get("legendFormat", ""),
                                 start, end)]
        unit = panel["fieldConfig"]["defaults"].get("unit", "")
        body.append(panel_svg(panel["title"], series, (n % COLUMNS) * WIDTH,
                              40 + (n // COLUMNS) * HEIGHT, unit))
    width, height = COLUMNS * WIDTH, 40 + rows * HEIGHT
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            'font-family="sans-serif">'
            f'<rect width="{width}" height="{height}" fill="#f4f5f5"/>'
            f'<text x="12" y="26" font-size="16" font-weight="bold">'
            f'{escape(dashboard["title"])} — from a real scrape</text>'
            + "".join(body) + "</svg>\n")


def main() -> None:
    prometheus, minutes, out = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draw(prometheus.rstrip("/"), minutes))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
