"""How far the exploring tests explore: the fuzzers' generated requests, the state machine's
runs of random steps.

``make test`` (CI, every change) explores at the everyday depth; ``make test-deep``
(``CLINIC_TEST_DEPTH=deep``) at the depth these tests were written with, three times the
cases, for a release and for a change to what they explore. Hypothesis draws new cases each
run (a fresh clone has no example database), so the everyday runs add up to more than one
deep run. The rules' own tests (one case each, written out) run the same at either depth.
"""

from __future__ import annotations

import os

_DEPTH = os.environ.get("CLINIC_TEST_DEPTH", "").strip().lower() or "everyday"
if _DEPTH not in ("everyday", "deep"):
    raise ValueError(f"CLINIC_TEST_DEPTH is everyday or deep, not {_DEPTH!r}")
DEEP = _DEPTH == "deep"


def examples(everyday: int, deep: int) -> int:
    """The number of cases to draw at this run's depth."""
    return deep if DEEP else everyday
