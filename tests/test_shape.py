"""The shape issue 29 asked for, kept: one unit of work, one refusal base, one copy of what
is shared, a Flask-free runtime and worker, contracts without a database.

Read from the source with ``ast`` (and one subprocess per worker), so a change that brings
back a second way of doing one of these things fails here.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import SERVICES

ROOT = Path(__file__).resolve().parents[1]
SERVICES_DIR = ROOT / "services"
#: Exceptions that are not refusals of a request, and why.
NOT_REFUSALS = {
    "ConfigError": "the process refuses to start, no request is involved",
    "InvalidEvent": "an event that can never be handled goes to the dead letters",
    "ContractError": "an InvalidEvent",
    "TransientError": "a provider's answer: the sender retries",
    "PermanentError": "a provider's answer: the message fails",
    "Unfillable": "an SMS the vendor's limits cannot take: the message fails, no request",
    "AuthError": "401: who is asking is unknown, before any rule is asked",
    "BadInput": "malformed bytes refused before a request is parsed (400)",
}


def python_files(*parts: str) -> list[Path]:
    return sorted(SERVICES_DIR.joinpath(*parts).rglob("*.py"))


@functools.cache
def tree(path: Path) -> ast.Module:
    """The module's syntax tree, parsed once per process: several tests read the same files."""
    return ast.parse(path.read_text(encoding="utf-8"))


def imported(path: Path) -> set[str]:
    """What the module imports when it is loaded (an import inside a function is taken
    only when that function runs)."""
    found: set[str] = set()
    for node in tree(path).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_endpoints_open_no_transaction_of_their_own(service: str) -> None:
    """Each endpoint works in ``with work()`` (services.common.unit_of_work)."""
    for path in python_files(service, "api"):
        text = path.read_text(encoding="utf-8")
        for banned in ("rt.db.transaction()", "rt.db.reading()", "open_desk("):
            assert banned not in text, (path, banned)


def test_there_is_one_refusal_base_and_every_rule_raises_a_kind_of_it() -> None:
    """Every exception class a service declares is a Refusal (through its bases), except
    the few that are not answers to a request (``NOT_REFUSALS``)."""
    declared: dict[str, list[str]] = {}
    for path in python_files():
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.ClassDef):
                declared.setdefault(node.name, []).extend(
                    getattr(b, "id", getattr(b, "attr", "")) for b in node.bases)
    exceptions = {"Exception", "ValueError", "RuntimeError", "LookupError"}

    def root(name: str, seen: frozenset[str] = frozenset()) -> str:
        if name == "Refusal" or name not in declared or name in seen:
            return name
        bases = declared[name]
        roots = {root(b, seen | {name}) for b in bases}
        return "Refusal" if "Refusal" in roots else min(roots, default=name)

    strays = {name for name, bases in declared.items()
              if name not in NOT_REFUSALS and name != "Refusal"
              and root(name) in exceptions}
    assert not strays, f"exceptions outside the Refusal hierarchy: {sorted(strays)}"


def test_one_desk_and_the_hospital_zone_worked_out_in_one_place() -> None:
    desks = [p for p in python_files() if any(
        isinstance(n, ast.ClassDef) and n.name == "Desk" for n in ast.walk(tree(p)))]
    assert desks == [SERVICES_DIR / "common" / "desk.py"]
    zones = [p for p in python_files() if "ZoneInfo(hospital" in p.read_text(encoding="utf-8")
             or "ZoneInfo(facts.time_zone" in p.read_text(encoding="utf-8")]
    assert not zones, zones


def test_runtime_lives_outside_the_web_module_and_contracts_know_no_database() -> None:
    runtime = SERVICES_DIR / "common" / "runtime.py"
    assert any(isinstance(n, ast.ClassDef) and n.name == "Runtime" for n in ast.walk(tree(runtime)))
    assert not {m for m in imported(runtime) if m.split(".")[0] == "flask"}
    for path in python_files("common", "contracts"):
        assert not {m for m in imported(path) if m.split(".")[0] == "sqlalchemy"}, path


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_owns_its_values(service: str) -> None:
    """The domain takes no wire contract: one module converts between them."""
    for path in python_files(service, "domain"):
        assert not {m for m in imported(path) if m.startswith("services.common.contracts")}, path


@pytest.mark.parametrize("service", SERVICES)
def test_a_worker_loads_no_web_framework(service: str) -> None:
    """Through the command the Procfile runs (``clinic-<service> worker``): its command
    line once loaded the whole Flask app for the migrations' name."""
    code = (f"import sys, services.{service}.cli; "
            "loaded = sorted(m for m in ('flask', 'flask_smorest', 'werkzeug', "
            "'marshmallow', 'flask_cors') "
            "if m in sys.modules); print(','.join(loaded))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=60)
    assert done.stdout.strip() == "", f"{service}'s worker loads {done.stdout.strip()}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_consumed_event_type_is_declared_once(service: str) -> None:
    """handlers.py declares each handler with ``@HANDLERS.on(...)`` or ``HANDLERS.add``;
    the queue's bindings come from the same list (no tuple to keep in step)."""
    path = SERVICES_DIR / service / "handlers.py"
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    assert "EventHandlers()" in text and "EVENT_TYPES = HANDLERS.types" in text, path
    assert "assert set(" not in text, path
