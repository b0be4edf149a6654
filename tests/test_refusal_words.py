"""One source of words for refusals (issue 27, item 4): every refusal code a service can
answer with has its Chinese and English in ``services/common/refusal_words.py``, and
every page receives them (a raw English detail showed through on the Chinese pages).

The codes are collected from the source, not listed by hand: a code added tomorrow in
any service fails here until the catalogue has its words.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.booking.domain.privacy import Access
from services.common.auth import SESSION_COOKIE
from services.common.config import DEFAULT_JWT_SECRET
from services.common.refusal_words import (
    ACCESS_ACTIONS,
    ACCESS_DETAILS,
    ACCESS_SERVICES,
    BY_SERVICE,
    REFUSALS,
    Words,
)
from services.common.tokens import issue_token
from services.followup.ops.tasks import CALL_CARD

SERVICES = Path(__file__).resolve().parents[1] / "services"
#: Functions that put a ``code=`` into a problem document.
HELPERS = {"abort", "problem"}
#: Functions given a code by position: ``refuse_on(constraint, code, message)`` declares the
#: refusal a unique key's violation means, beside the key in ``models.py``.
POSITIONAL_HELPERS = {"refuse_on": 1}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Found:
    service: str
    code: str | None  # None: the code is not a literal the walker can read
    where: str


Module = tuple[str, str, ast.Module]  # service, file, its syntax tree


@functools.cache
def modules() -> tuple[Module, ...]:
    """Every service module's syntax tree, parsed once per process (three tests walk them)."""
    return tuple((path.relative_to(SERVICES).parts[0], str(path.relative_to(SERVICES.parent)),
                  ast.parse(path.read_text()))
                 for path in sorted(SERVICES.rglob("*.py")) if "migrations" not in path.parts)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _code_position(cls: ast.ClassDef) -> int | None:
    """Where ``code`` comes among the class's constructor arguments, if it takes one."""
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            names = [a.arg for a in item.args.args[1:]]
            return names.index("code") if "code" in names else None
    fields = [item.target.id for item in cls.body
              if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)]
    return fields.index("code") if "code" in fields else None


def _has_init(cls: ast.ClassDef) -> bool:
    return any(isinstance(item, ast.FunctionDef) and item.name == "__init__" for item in cls.body)


def refusal_classes(trees: list[ast.Module]) -> tuple[dict[str, int], set[str]]:
    """Exceptions that carry a code: those taking it as an argument (by position), a
    subclass without a constructor of its own taking it where its base does
    (``Invalid("phone_fragment", …)``); and every subclass of one (which may name its code
    itself)."""
    classes = {node.name: node for tree in trees for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)}
    exceptions = {"Exception", "ValueError", "RuntimeError", "LookupError"}
    while more := {name for name, cls in classes.items() if name not in exceptions
                   and any(_name(base) in exceptions for base in cls.bases)}:
        exceptions |= more
    takes = {name: position for name, cls in classes.items() if name in exceptions
             and (position := _code_position(cls)) is not None}
    while inherited := {name: takes[base] for name, cls in classes.items()
                        if name not in takes and not _has_init(cls)
                        for base in map(_name, cls.bases) if base in takes}:
        takes |= inherited
    subclasses: set[str] = set()
    while True:
        more = {name for name, cls in classes.items() if name not in subclasses
                and any(_name(b) in takes or _name(b) in subclasses for b in cls.bases)}
        if not more:
            return takes, subclasses
        subclasses |= more


def literals(node: ast.expr) -> Iterator[str | None]:
    """The codes an expression can be; forwarding another refusal's code yields nothing."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from literals(node.body)
        yield from literals(node.orelse)
    elif _name(node) != "code":  # ``code`` or ``exc.code``: passed on, found where raised
        yield None


def refusal_codes(parsed: Sequence[Module] | None = None) -> list[Found]:
    """Every code a refusal class or a problem helper is given, with its service."""
    parsed = modules() if parsed is None else parsed
    takes, subclasses = refusal_classes([tree for _, _, tree in parsed])
    found: list[Found] = []
    for service, path, tree in parsed:
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ClassDef) and node.name in subclasses:
                for item in node.body:  # class SlotFull(Refusal): code = "slot_full"
                    if isinstance(item, ast.Assign | ast.AnnAssign) and item.value is not None:
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        if any(_name(t) == "code" for t in targets):
                            found += [Found(service, c, where) for c in literals(item.value)]
                for call in ast.walk(node):  # super().__init__("duplicate", …)
                    if (isinstance(call, ast.Call) and _name(call.func) == "__init__"
                            and isinstance(call.func, ast.Attribute)
                            and isinstance(call.func.value, ast.Call)
                            and _name(call.func.value.func) == "super" and call.args):
                        found += [Found(service, c, where) for c in literals(call.args[0])]
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            keyword = [k.value for k in node.keywords if k.arg == "code"]
            if name in takes:
                position = takes[name]
                given = keyword or node.args[position:position + 1]
                found += [Found(service, c, where) for value in given for c in literals(value)]
            elif name in HELPERS:
                found += [Found(service, c, where) for value in keyword for c in literals(value)]
            elif name in POSITIONAL_HELPERS:
                position = POSITIONAL_HELPERS[name]
                given = keyword or node.args[position:position + 1]
                found += [Found(service, c, where) for value in given for c in literals(value)]
    return found


def words_for(service: str, code: str) -> Words | None:
    if service != "common" and code in BY_SERVICE.get(service, {}):
        return BY_SERVICE[service][code]
    return REFUSALS.get(code)


def test_every_refusal_code_a_service_raises_has_words_on_the_pages() -> None:
    missing = sorted({(f.code, f.where) for f in refusal_codes()
                      if f.code is not None and words_for(f.service, f.code) is None})
    assert not missing, ("add these codes to services/common/refusal_words.py "
                         f"(Chinese and English): {missing}")


def test_every_refusal_code_is_written_where_the_walker_can_read_it() -> None:
    unreadable = sorted(f.where for f in refusal_codes() if f.code is None)
    assert not unreadable, f"give the code as a string literal: {unreadable}"


def test_the_walker_finds_the_codes_of_every_kind_of_refusal() -> None:
    """So that the first test cannot pass by finding nothing."""
    found = {(f.service, f.code) for f in refusal_codes()}
    assert {("booking", "not_today"), ("booking", "duplicate"),  # RuleBroken, a subclass
            ("booking", "patient_exists"),  # refuse_on beside a unique key
            ("booking", "phone_fragment"),  # Invalid, a common kind taking the code
            ("schedule", "last_admin"),  # abort(code=)
            ("followup", "appointment_code_required"), ("followup", "closed"),  # CallRefused
            ("common", "bad_input"), ("common", "database_unavailable"),  # problem(code=)
            } <= found


def test_the_walker_reads_a_new_hierarchy_and_its_codes() -> None:
    """A shared refusal class with the code not first, a subclass naming its code, a
    subclass given its code as its base is, a helper, a key's declared refusal, a
    conditional code; and a code it cannot read is reported, not skipped."""
    source = ('class Refusal(Exception):\n'
              '    def __init__(self, kind, code, message): ...\n'
              'class Gone(Refusal):\n'
              '    code = "gone"\n'
              'def f(x, exc):\n'
              '    raise Refusal("conflict", "brand_new", "…")\n'
              '    raise Refusal(kind="x", code="a" if x else "b", message="…")\n'
              '    abort(409, code=exc.code)\n'
              '    problem(409, code=CODES[x])\n'
              '    raise Gone("conflict", "gone_again", "…")\n'
              '    refuse_on("uq_x", "taken", "…")\n')
    found = refusal_codes([("demo", "services/demo/x.py", ast.parse(source))])
    assert sorted((f.code or "?", f.where) for f in found) == [
        ("?", "services/demo/x.py:9"), ("a", "services/demo/x.py:7"),
        ("b", "services/demo/x.py:7"), ("brand_new", "services/demo/x.py:6"),
        ("gone", "services/demo/x.py:3"), ("gone_again", "services/demo/x.py:10"),
        ("taken", "services/demo/x.py:11")]


def test_each_word_has_its_chinese_and_its_english() -> None:
    tables = [REFUSALS, *BY_SERVICE.values(), ACCESS_ACTIONS, ACCESS_DETAILS, ACCESS_SERVICES]
    for table in tables:
        for code, said in table.items():
            assert CHINESE.search(said.zh), (code, said.zh)
            assert said.en and not CHINESE.search(said.en), (code, said.en)


def test_every_access_log_action_has_its_words() -> None:
    stored = {action.value for action in Access} | {CALL_CARD, "export"}
    assert not sorted(stored - set(ACCESS_ACTIONS))
    assert "followup export" in ACCESS_DETAILS
    assert set(ACCESS_SERVICES) == {"booking", "notify", "followup"}, "each service keeping one"


def _page_words(html: str) -> dict[str, dict[str, str]]:
    block = re.search(r'<script type="application/json" id="clinic-words">(.*?)</script>',
                      html, re.S)
    assert block, "the page carries the catalogue"
    words: dict[str, dict[str, str]] = json.loads(block.group(1))
    return words


def signed_in(make_app: Callable[..., Any], service: str, role: str) -> FlaskClient:
    client = make_app(service).test_client()
    client.set_cookie(SESSION_COOKIE, issue_token(DEFAULT_JWT_SECRET, "wang", [role],
                                                  ttl_seconds=600))
    return client


@pytest.mark.parametrize("lang, side", [("zh-CN", 0), ("en", 1)])
def test_a_page_receives_the_catalogue_in_its_language(make_app, lang: str, side: int) -> None:
    page = signed_in(make_app, "booking", "frontdesk").get(f"/roster?lang={lang}")
    assert page.status_code == 200
    words = _page_words(page.get_data(as_text=True))
    assert words["refusals"]["not_today"] == REFUSALS["not_today"][side]
    assert words["refusals"].keys() == REFUSALS.keys()
    assert words["access_actions"]["export"] == ACCESS_ACTIONS["export"][side]
    assert words["access_details"]["followup export"] == ACCESS_DETAILS["followup export"][side]
    assert words["access_services"]["booking"] == ACCESS_SERVICES["booking"][side]


def test_a_service_page_gets_the_codes_in_that_service_s_sense(make_app) -> None:
    page = signed_in(make_app, "followup", "consultant").get("/worklist")
    assert page.status_code == 200
    refusals = _page_words(page.get_data(as_text=True))["refusals"]
    assert refusals["closed"] == "这个任务已结束"
    assert refusals["appointment_code_required"] == "请填写新预约的预约码"
