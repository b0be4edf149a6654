"""`make mutate`: how many of the mutants that change behaviour the fast tests kill, per module.

Two kinds of mutant, one report (docs/mutation.md says why and how to read it):

1. mutmut (configured in pyproject.toml's ``[tool.mutmut]``) mutates the code of every
   function and method in ``services/*/domain/*.py`` and runs, for each mutant, the fast
   tests that call that function. mutmut does not touch module-level data, so
2. the tables of rules that live there (``TRANSITIONS``, ``ACTIVE``, ``CLOSES``, …, listed in
   ``TABLES`` below) get hand-made mutants: every entry removed, every missing member added,
   every target replaced by another, every weight changed. Each runs against the fast tests
   of its module, in a copy of the tree.

A mutant that changes only the human-readable message of a refusal (see ``message_only``)
does not count; nor does a survivor listed as equivalent in docs/mutation.md's table with
the reason. Score = killed / (total - message-only - listed equivalent); below 90 % in any
module the command exits 1.

    python -m tools.mutation              # fresh run of both (what `make mutate` does)
    python -m tools.mutation --reuse      # keep mutmut's earlier results in mutants/
    python -m tools.mutation --report     # only read the results of the last run
    python -m tools.mutation --report --survivors  # and print each counted survivor's diff
    python -m tools.mutation --recheck    # the last run's survivors against new tests only
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
DOCS = ROOT / "docs" / "mutation.md"
TARGET = 0.90
FAST = "not slow and not postgres and not rabbitmq and not browser"

#: mutmut's exit codes (mutmut.stats.status_by_exit_code, 3.8.1): a mutant is killed when a
#: test failed or errored (1, 3), ran out of time (timeouts: 24, 36, 152, 255, -24) or failed
#: the type check (37). 0 survived, 5 and 33 no test reached it; None was never run.
KILLED_CODES = frozenset({1, 3, 24, 36, 37, 152, 255, -24})
NOT_RUN_CODES = frozenset({None, 2})


# --- what counts: the message-only rule -------------------------------------------------------

#: Human text: words separated by white space, or any non-ASCII letter (中文). Codes such as
#: ``slot_full`` and enum values have neither.
_WORDS = re.compile(r"[^\W\d_]\s+\S|\S\s+[^\W\d_]")


def _is_human_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = " ".join(str(part.value) for part in node.values
                        if isinstance(part, ast.Constant))
    else:
        return False
    return bool(_WORDS.search(text)) or any(ord(c) > 127 and c.isalpha() for c in text)


def _is_message(node: ast.AST) -> bool:
    """A refusal's message: human text, the ``message`` parameter passed on, or another
    exception's message (``str(exc)``)."""
    return (_is_human_text(node) or (isinstance(node, ast.Name) and node.id == "message")
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "str"))


def _raises(call: ast.AST, parent: ast.AST | None) -> bool:
    """The call builds an exception: ``raise X(...)`` or ``super().__init__(...)``."""
    if not isinstance(call, ast.Call):
        return False
    if isinstance(parent, ast.Raise) and parent.exc is call:
        return True
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "__init__"
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super")


Difference = tuple[ast.AST, tuple[ast.AST, ...]]  # the original node and its ancestors


def _differences(a: ast.AST, b: ast.AST, ancestors: tuple[ast.AST, ...] = ()
                 ) -> list[Difference]:
    """The smallest nodes of ``a`` that ``b`` replaced (a changed list length: its owner)."""
    if type(a) is not type(b):
        return [(a, ancestors)]
    found: list[Difference] = []
    for name in a._fields:
        left, right = getattr(a, name, None), getattr(b, name, None)
        if isinstance(left, list) and isinstance(right, list):
            if len(left) != len(right):
                return [(a, ancestors)]
            for x, y in zip(left, right, strict=True):
                if isinstance(x, ast.AST) and isinstance(y, ast.AST):
                    found += _differences(x, y, (*ancestors, a))
                elif x != y:
                    return [(a, ancestors)]
        elif isinstance(left, ast.AST) and isinstance(right, ast.AST):
            found += _differences(left, right, (*ancestors, a))
        elif left != right:
            return [(a, ancestors)]
    return found


def message_only(original: ast.AST, mutant: ast.AST) -> bool:
    """Every change lies inside the message argument of an exception being built (``raise
    X("code", "A sentence …")``, ``super().__init__(message)``): a string with human text
    changed, anything inside an f-string message changed, or the message replaced (by
    ``None``). A changed code, field, status or enum value, or a removed argument, counts."""
    changes = _differences(original, mutant)
    if not changes:
        return False
    for node, ancestors in changes:
        chain = (*ancestors, node)
        if not any(_is_message(m) and _message_argument(chain, i) for i, m in enumerate(chain)):
            return False
    return True


def _message_argument(chain: tuple[ast.AST, ...], i: int) -> bool:
    """``chain[i]`` is an argument of an exception being built: positional, or the
    ``message=`` keyword."""
    node = chain[i]
    parent = chain[i - 1] if i > 0 else None
    if isinstance(parent, ast.keyword) and parent.arg == "message" and i > 1:
        call, above = chain[i - 2], chain[i - 3] if i > 2 else None
        return isinstance(call, ast.Call) and _raises(call, above)
    return (isinstance(parent, ast.Call) and node in parent.args
            and _raises(parent, chain[i - 2] if i > 1 else None))


# --- mutmut's mutants --------------------------------------------------------------------------

@dataclass
class Score:
    module: str
    total: int = 0
    killed: int = 0
    message: int = 0
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)
    not_run: int = 0

    @property
    def counted(self) -> int:
        return self.total - self.message - self.equivalent - self.not_run

    @property
    def score(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text("utf-8"))
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        body = node.body if isinstance(node, ast.ClassDef) else [node]
        for item in body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                found[item.name] = item
    return found


def _renamed(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
    copied = copy.deepcopy(function)
    copied.name = "_"
    return copied


def mutmut_scores(equivalents: set[str]) -> tuple[list[Score], dict[str, str]]:
    """One score per mutated module, and the diff of every counted survivor."""
    scores: list[Score] = []
    diffs: dict[str, str] = {}
    rechecked = _rechecked()
    for meta in sorted(MUTANTS.glob("services/*/domain/*.py.meta")):
        mutated = meta.with_suffix("")
        module = mutated.relative_to(MUTANTS).with_suffix("").as_posix().replace("/", ".")
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        score = Score(module)
        functions = _functions(mutated) if codes else {}
        for name, code in sorted(codes.items()):
            code = rechecked.get(name, code)
            generated = name.rpartition(".")[2]
            original = functions[generated.partition("__mutmut_")[0] + "__mutmut_orig"]
            score.total += 1
            if message_only(_renamed(original), _renamed(functions[generated])):
                score.message += 1
            elif code in KILLED_CODES:
                score.killed += 1
            elif name in equivalents:
                score.equivalent += 1
            elif code in NOT_RUN_CODES:
                score.not_run += 1
            else:
                score.survivors.append(name)
                diffs[name] = "\n".join(_diff_lines(original, functions[generated]))
        scores.append(score)
    return scores, diffs


def _diff_lines(original: ast.AST, mutant: ast.AST) -> Iterator[str]:
    import difflib

    before = ast.unparse(_renamed(original)).splitlines()  # type: ignore[arg-type]
    after = ast.unparse(_renamed(mutant)).splitlines()  # type: ignore[arg-type]
    for line in difflib.unified_diff(before, after, lineterm="", n=1):
        if not line.startswith(("---", "+++")):
            yield "    " + line


def run_mutmut(children: int, reuse: bool) -> None:
    if not reuse:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)]
    print("$", " ".join(command[2:]), flush=True)
    finished = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    if finished.returncode:
        sys.exit(f"mutmut run failed ({finished.returncode}); run it by hand to see why")


# --- hand-made mutants of module-level tables ---------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A module-level table of rules, the values a set in it may gain or a target become,
    and the fast tests of that module."""

    path: str
    name: str
    tests: tuple[str, ...]
    members: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")


_STATUS = tuple(f"S.{s}" for s in ("BOOKED", "CHECKED_IN", "COMPLETED", "CANCELLED", "NO_SHOW"))
_OUTCOMES = tuple(f"Outcome.{o}" for o in ("NO_ANSWER", "BUSY", "SWITCHED_OFF", "WRONG_NUMBER",
                                            "BOOKED", "DECLINED", "CALL_BACK", "DO_NOT_CALL"))
_TASKS = tuple(f"TaskStatus.{t}" for t in ("OPEN", "BOOKED", "DECLINED", "UNREACHED",
                                           "WRONG_NUMBER", "DO_NOT_CALL"))
_BOOKING_RULES = ("tests/booking/test_rules.py",)
_ID_CARDS = (
    *(f"tests/booking/test_patients.py::{test}" for test in (
        "test_the_check_characters_of_the_table_are_right",
        "test_every_valid_number_is_accepted_and_every_other_check_character_refused",
        "test_malformed_numbers_are_refused_with_the_field")),
    "tests/booking/test_patients_mutants.py")
TABLES = (
    Table("services/booking/domain/statuses.py", "TRANSITIONS", _BOOKING_RULES, _STATUS),
    Table("services/booking/domain/statuses.py", "ACTIVE", _BOOKING_RULES, _STATUS),
    Table("services/booking/domain/statuses.py", "BY_THE_HOSPITAL",
          ("tests/booking/test_patient_link.py", "tests/booking/test_patient_link_mutants.py"),
          ("CancelReason.PATIENT", "CancelReason.HOSPITAL", "CancelReason.EXPERT_UNAVAILABLE")),
    Table("services/booking/domain/patients.py", "ID_WEIGHTS", _ID_CARDS),
    Table("services/booking/domain/patients.py", "ID_CHECK", _ID_CARDS),
    Table("services/followup/domain/statuses.py", "UNANSWERED",
          ("tests/followup/test_calling_rules.py",), _OUTCOMES),
    Table("services/followup/domain/statuses.py", "CLOSES",
          ("tests/followup/test_calling_rules.py",), _TASKS),
    Table("services/notify/domain/consent.py", "OPT_OUT_KEYWORDS", ("tests/notify/test_rules.py",),
          ('"TD"', '"退订"', '"STOP"', '"T"', '"N"')),
)

Path_ = tuple[tuple[str, int | None], ...]


def _walk(node: ast.AST, path: Path_ = ()) -> Iterator[tuple[Path_, ast.AST]]:
    yield path, node
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, (*path, (name, i)))
        elif isinstance(value, ast.AST):
            yield from _walk(value, (*path, (name, None)))


def _at(node: ast.AST, path: Path_) -> ast.AST:
    for name, index in path:
        value = getattr(node, name)
        node = value[index] if index is not None else value
    return node


def _key(value: ast.AST, path: Path_) -> str:
    """Where in the table: ``[Action.CANCEL]`` for a node inside that entry's value."""
    for depth in range(len(path), 0, -1):
        owner = _at(value, path[:depth - 1])
        name, index = path[depth - 1]
        if isinstance(owner, ast.Dict) and name == "values" and index is not None:
            key = owner.keys[index]
            return f"[{ast.unparse(key)}]" if key is not None else ""
    return ""


#: Changes a copy of the table in place, or returns what replaces it whole.
Edit = Callable[[ast.AST], ast.AST | None]


def _edits(value: ast.AST, members: tuple[str, ...]) -> Iterator[tuple[str, Edit]]:
    """Each hand-made mutant of a table: its label and how to make it."""
    members = tuple(ast.unparse(ast.parse(m, mode="eval").body) for m in members)
    set_elements: set[Path_] = set()
    for path, node in _walk(value):
        where = _key(value, path)
        if isinstance(node, ast.Set | ast.Tuple | ast.List) and all(
                isinstance(e, ast.Attribute | ast.Constant) for e in node.elts):
            present = [ast.unparse(e) for e in node.elts]
            set_elements.update((*path, ("elts", i)) for i in range(len(node.elts)))
            weights = all(isinstance(e, ast.Constant) and isinstance(e.value, int)
                          for e in node.elts)
            for i, text in enumerate(present if not weights else []):  # weights: bumped below
                yield f"{where} -{text}", _drop(path, i)
            if isinstance(node, ast.Set):
                for member in members:
                    if member not in present:
                        yield f"{where} +{member}", _add(path, member)
        if isinstance(node, ast.Dict):
            for i, key in enumerate(node.keys):
                yield f" -[{ast.unparse(key) if key else '**'}]", _drop(path, i, "keys")
    for path, node in _walk(value):
        where = _key(value, path)
        if path in set_elements:
            if isinstance(node, ast.Constant) and isinstance(node.value, int):
                yield f"{where} {path[-1][1]}: {node.value}→{node.value + 1}", _bump(path)
            continue
        is_key = bool(path) and path[-1][0] == "keys"
        if not is_key and ast.unparse(node) in members:
            for member in members:
                if member != ast.unparse(node):
                    yield f"{where} {ast.unparse(node)}→{member}", _replace(path, member)
        if not path and isinstance(node, ast.Constant) and isinstance(node.value, str):
            for i in range(len(node.value) - 1):
                swapped = node.value[:i] + node.value[i + 1] + node.value[i] + node.value[i + 2:]
                if swapped != node.value:
                    yield f" {node.value!r}→{swapped!r}", _replace(path, repr(swapped))


def _drop(path: Path_, index: int, listing: str = "elts") -> Edit:
    def edit(root: ast.AST) -> None:
        node = _at(root, path)
        del getattr(node, listing)[index]
        if isinstance(node, ast.Dict):
            del node.values[index]
    return edit


def _add(path: Path_, member: str) -> Edit:
    def edit(root: ast.AST) -> None:
        _at(root, path).elts.append(ast.parse(member, mode="eval").body)  # type: ignore[attr-defined]
    return edit


def _bump(path: Path_) -> Edit:
    def edit(root: ast.AST) -> None:
        node = _at(root, path)
        assert isinstance(node, ast.Constant) and isinstance(node.value, int)
        node.value = node.value + 1
    return edit


def _replace(path: Path_, member: str) -> Edit:
    new = ast.parse(member, mode="eval").body

    def edit(root: ast.AST) -> ast.AST | None:
        if not path:
            return new
        *above, (name, index) = path
        owner = _at(root, tuple(above))
        if index is None:
            setattr(owner, name, new)
        else:
            getattr(owner, name)[index] = new
        return None
    return edit


def table_mutants(table: Table) -> Iterator[tuple[str, str]]:
    """(label, the whole module's source with that mutant) for each mutant of ``table``."""
    source = (ROOT / table.path).read_text("utf-8")
    tree = ast.parse(source)
    value = next(node.value for node in tree.body
                 if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
                 and any(isinstance(t, ast.Name) and t.id == table.name
                         for t in (node.targets if isinstance(node, ast.Assign)
                                   else [node.target])))
    lines = source.splitlines(keepends=True)
    start = sum(map(len, lines[:value.lineno - 1])) + len(
        lines[value.lineno - 1].encode()[:value.col_offset].decode())
    end_line = value.end_lineno or value.lineno
    end = sum(map(len, lines[:end_line - 1])) + len(
        lines[end_line - 1].encode()[:value.end_col_offset or 0].decode())
    for label, edit in _edits(value, table.members):
        mutated = copy.deepcopy(value)
        replaced = edit(mutated)
        text = ast.unparse(replaced if replaced is not None else mutated)
        yield f"{table.name}{label}", source[:start] + text + source[end:]


def _tree_copy(into: Path) -> None:
    """The files the tests need, as mutmut copies them (pyproject's ``also_copy``)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    for name in [*config["also_copy"], "pyproject.toml"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", "var"))
        elif source.exists():
            shutil.copy2(source, into / name)


#: Imported once before the forks, so each mutant's pytest starts in a fraction of a second.
#: Nothing of the clinic's own (``services``, ``tests``): each fork imports the mutated copy.
_PRELOAD = ("pytest", "hypothesis", "flask", "flask_smorest", "sqlalchemy", "marshmallow",
            "kombu", "jinja2", "phonenumbers", "jwt", "werkzeug")


def _preload() -> None:
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)
    assert not any(m == "services" or m.startswith(("services.", "tests."))
                   for m in sys.modules), "the clinic was imported before the forks"


def _pytest(tree: Path, tests: tuple[str, ...], mutant: str | None = None) -> int:
    """The fast tests of ``tests`` in a fork working in ``tree``: pytest's exit code.
    ``mutant``: the mutmut mutant the trampolines of ``tree`` (mutants/) switch on."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 3
        try:
            import pytest

            if mutant is not None:
                os.environ["MUTANT_UNDER_TEST"] = mutant
            os.chdir(tree)
            sys.path.insert(0, str(tree))
            sys.dont_write_bytecode = True
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            code = int(pytest.main(["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                                    "-m", FAST, *tests]))
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def table_scores(equivalents: set[str]) -> tuple[list[Score], dict[str, str]]:
    scores: list[Score] = []
    diffs: dict[str, str] = {}
    _preload()
    with tempfile.TemporaryDirectory(prefix="clinic-mutate-") as scratch:
        tree = Path(scratch)
        _tree_copy(tree)
        for table in TABLES:
            target = tree / table.path
            original = target.read_text("utf-8")
            baseline = _pytest(tree, table.tests)
            if baseline:
                sys.exit(f"{' '.join(table.tests)} fail ({baseline}) before any mutant")
            score = Score(f"{table.module}.{table.name} (tables)")
            for label, source in table_mutants(table):
                score.total += 1
                target.write_text(source, "utf-8")
                code = _pytest(tree, table.tests)
                if code in (1, 2, 3):  # failed, or the mutant broke the import
                    score.killed += 1
                elif label in equivalents:
                    score.equivalent += 1
                else:
                    score.survivors.append(label)
                    diffs[label] = f"    (pytest exit {code} on {' '.join(table.tests)})"
            target.write_text(original, "utf-8")
            scores.append(score)
            print(f"  {score.module}: {score.total} hand-made mutants", flush=True)
    return scores, diffs


# --- survivors run again against tests written since mutmut's run ---------------------------

RECHECKED = MUTANTS / "rechecked.json"


def recheck(tests: tuple[str, ...]) -> None:
    """Run each counted survivor of the last mutmut run against ``tests`` (copied into
    mutants/; those of its own service's folder, ``tests/<service>/``, where there are
    any), and keep the kills in mutants/rechecked.json: a quick loop while writing tests
    for survivors. mutmut itself picks those tests up on the next fresh run."""
    for test in tests:
        source = ROOT / test.partition("::")[0]
        if source.is_file():
            (MUTANTS / source.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, MUTANTS / source.relative_to(ROOT))
    _preload()
    kills: dict[str, int] = _rechecked()
    scores, _ = mutmut_scores(listed_equivalents())
    for score in scores:
        service = score.module.split(".")[1]  # services.<service>.domain.<module>
        own = tuple(t for t in tests if t.startswith(f"tests/{service}/")) or tests
        for name in score.survivors:
            code = _pytest(MUTANTS, own, mutant=name)
            if code in (1, 2, 3):
                kills[name] = code
            print(f"  {name}: {'killed' if code in (1, 2, 3) else 'survived'}", flush=True)
    RECHECKED.write_text(json.dumps(kills, indent=1), "utf-8")


def _rechecked() -> dict[str, int]:
    return json.loads(RECHECKED.read_text("utf-8")) if RECHECKED.exists() else {}


# --- the report ----------------------------------------------------------------------------------

#: docs/mutation.md's table of equivalent survivors: | `name` | why |
_LISTED = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def listed_equivalents() -> set[str]:
    if not DOCS.exists():
        return set()
    return {m.group(1) for line in DOCS.read_text("utf-8").splitlines()
            if (m := _LISTED.match(line))}


def report(scores: list[Score], diffs: dict[str, str], show: bool) -> bool:
    header = (f"{'module':<58} {'total':>5} {'killed':>6} {'surv.':>5} {'msg':>4} "
              f"{'equiv':>5} {'score':>6}")
    print(header)
    print("-" * len(header))
    ok = True
    for s in scores:
        low = s.score < TARGET
        ok &= not low
        print(f"{s.module:<58} {s.total:>5} {s.killed:>6} {len(s.survivors):>5} "
              f"{s.message:>4} {s.equivalent:>5} {s.score:>6.1%}{'  < 90 %' if low else ''}")
        if s.not_run:
            print(f"  ({s.not_run} mutants not run yet, left out of the score)")
        if show:
            for name in s.survivors:
                print(f"  {name}\n{diffs.get(name, '')}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reuse", action="store_true",
                        help="keep mutmut's earlier results (mutants/); only new mutants run")
    parser.add_argument("--report", action="store_true", help="run nothing; read mutants/")
    parser.add_argument("--no-tables", action="store_true", help="skip the hand-made mutants")
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    parser.add_argument("--recheck", nargs="*", metavar="TEST",
                        help="run the last run's survivors against these tests (default: "
                             "tests/**/test_*_mutants.py) and report; nothing else runs")
    parser.add_argument("--max-children", type=int,
                        default=int(os.environ.get("MUTATE_CHILDREN", "2")))
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if args.recheck is not None:
        recheck(tuple(args.recheck) or tuple(
            p.relative_to(ROOT).as_posix() for p in sorted(ROOT.glob("tests/*/test_*_mutants.py"))))
    elif not args.report:
        run_mutmut(args.max_children, args.reuse)
    equivalents = listed_equivalents()
    scores, diffs = mutmut_scores(equivalents)
    if not scores:
        sys.exit("no results in mutants/: run without --report")
    if not args.no_tables:
        more, more_diffs = table_scores(equivalents)
        scores += more
        diffs.update(more_diffs)
    ok = report(scores, diffs, args.survivors)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
