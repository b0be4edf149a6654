"""Every page script parses (a fast check before the browser tests drive them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(ROOT.glob("services/*/static/*.js"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_parses(script: Path, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; the browser tests still run the scripts")
    module = tmp_path / f"{script.stem}.mjs"
    module.write_text(script.read_text())
    result = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_pages_clock_shows_the_hospital_time_whatever_the_browser_zone(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    module = tmp_path / "clinic.mjs"
    module.write_text((ROOT / "services/common/static/clinic.js").read_text())
    check = tmp_path / "check.mjs"
    check.write_text('import { clockAt } from "./clinic.mjs";\n'
                     'const when = new Date("2026-11-23T08:48:36Z");\n'
                     'console.log(clockAt("Asia/Shanghai", when),\n'
                     '            clockAt("Europe/London", when));\n')
    result = subprocess.run(["node", str(check)], capture_output=True, text=True,
                            env={**os.environ, "TZ": "America/New_York", "LANG": "en_US.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["16:48:36", "08:48:36"]


def test_a_late_evening_moment_keeps_its_hospital_date(tmp_path: Path) -> None:
    """17:30 UTC is already tomorrow in Shanghai: date and time both on the hospital's clock."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    module = tmp_path / "clinic.mjs"
    module.write_text((ROOT / "services/common/static/clinic.js").read_text())
    check = tmp_path / "check.mjs"
    check.write_text('import { stampAt } from "./clinic.mjs";\n'
                     'console.log(stampAt("Asia/Shanghai", "2026-11-23T17:30:00Z"));\n')
    result = subprocess.run(["node", str(check)], capture_output=True, text=True,
                            env={**os.environ, "TZ": "America/New_York"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-11-24 01:30:00"
