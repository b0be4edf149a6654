"""Codes the directory gives when the admin leaves them out."""

from __future__ import annotations

from collections.abc import Set


def next_expert_code(department_code: str, taken: Set[str]) -> str:
    """The department's code and the lowest number not yet taken: ``CARD-03`` after
    ``CARD-01`` and ``CARD-02`` (SPEC §4 lists no code; people still sort by one)."""
    number = 1
    while f"{department_code}-{number:02d}" in taken:
        number += 1
    return f"{department_code}-{number:02d}"
