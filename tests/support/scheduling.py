"""How ``make test`` shares the tests between its pytest-xdist workers.

A test module whose tests share a module-scoped fixture (a whole clinic: ``tests/faults``,
``tests/browser``, whose modules on one worker share theirs too; the SMTP server of
``test_providers``) goes to one worker as a whole, so that fixture starts once. Every
other test is a unit of its own, handed to whichever worker is free, so two long modules
never pile up on one worker as they did under ``--dist loadfile``. The long units go
first (see :func:`weight`): the run ends on short tests, both workers busy to the end.

This is what ``--dist loadgroup`` means to do; xdist 3.8's own loadgroup does not group
under pytest 9.2 (it renames ``item._nodeid``, which pytest 9 no longer reads), so the
grouping is worked out here from the test files themselves.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

#: A fixture shared by a module's tests (or a class's, a package's): they stay together.
SHARED_FIXTURE = re.compile(r"""@pytest\.fixture\([^)]*scope\s*=\s*["'](module|class|package)""")


@functools.cache
def _declares_shared_fixture(path: Path) -> bool:
    try:
        return bool(SHARED_FIXTURE.search(path.read_text(errors="replace")))
    except OSError:
        return False


@functools.cache
def shares_fixtures(rootdir: Path, module: str) -> bool:
    """Does the module, or a ``conftest.py`` above it inside ``tests/``, declare a
    fixture of module, class or package scope?"""
    path = rootdir / module
    if _declares_shared_fixture(path):
        return True
    folder = path.parent
    while folder != rootdir and rootdir in folder.parents:
        if _declares_shared_fixture(folder / "conftest.py"):
            return True
        folder = folder.parent
    return False


def weight(item: pytest.Item, rootdir: Path) -> int:
    """The order the workers take tests in, longest kinds first (smaller goes first):
    modules sharing a started clinic or system, then tests marked ``slow``, then those on
    a real server, then the rest. Each kind keeps the order it was collected in."""
    if shares_fixtures(rootdir, item.nodeid.split("::", 1)[0]):
        return 0
    if item.get_closest_marker("slow"):
        return 1
    if item.get_closest_marker("postgres") or item.get_closest_marker("rabbitmq"):
        return 2
    return 3


class SharedFixtureScheduling(LoadScopeScheduling):
    """Units of work: a module when its tests share a fixture, else a single test. Handed
    out in collection order (the workers sort it by :func:`weight`), not by unit size."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        super().__init__(config, log)  # type: ignore[arg-type]
        config.option.loadscopereorder = False
        self.rootdir = Path(config.rootpath)

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if shares_fixtures(self.rootdir, module) else nodeid
