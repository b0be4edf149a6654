"""`make mutate`'s rule for what does not count: a mutant that changes only a refusal's
human-readable message (tools/mutation.py, ``message_only``)."""

from __future__ import annotations

import ast

import pytest

from tools.mutation import message_only


def _same_but(original: str, mutant: str) -> bool:
    return message_only(ast.parse(original), ast.parse(mutant))


@pytest.mark.parametrize("mutant", [
    "raise Refused('slot_full', 'XXThe slot is fullXX')",
    "raise Refused('slot_full', None)",
    "raise Refused(code='slot_full', message=None)",
    "raise Refused(code='slot_full', message='XXThe slot is fullXX')",
])
def test_a_changed_or_lost_sentence_does_not_count(mutant: str) -> None:
    original = ("raise Refused('slot_full', 'The slot is full')" if "code=" not in mutant
                else "raise Refused(code='slot_full', message='The slot is full')")
    assert _same_but(original, mutant)


@pytest.mark.parametrize("original, mutant", [
    ("raise Refused('slot_full', 'The slot is full')",
     "raise Refused('XXslot_fullXX', 'The slot is full')"),  # a code
    ("raise Refused(code='slot_full', message='The slot is full')",
     "raise Refused(code='slot_full')"),  # the argument dropped
    ("raise Refused(code='slot_full', message='The slot is full', field='slot_id')",
     "raise Refused(code='slot_full', message='The slot is full', field=None)"),  # a field
    ("notice = Notice(message='Your visit is booked')",
     "notice = Notice(message=None)"),  # no exception: a message the patient reads
])
def test_anything_else_counts(original: str, mutant: str) -> None:
    assert not _same_but(original, mutant)
