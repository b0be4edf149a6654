"""Every service keeps the same layers, and each layer only what it should.

Read from the source with ``ast``, so a stray import fails here before review.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.support.services import SERVICES

ROOT = Path(__file__).resolve().parents[1] / "services"
LAYERS = ("api", "ops", "reads", "domain")
WIRING = {"__init__.py", "app.py", "cli.py", "config.py", "gunicorn_conf.py", "handlers.py",
          "models.py", "worker.py", "wire.py",
          # booking's second web process, the consoles' stream: an app and its gunicorn's
          "stream.py", "stream_gunicorn_conf.py"}


@functools.cache
def imports(path: Path) -> frozenset[str]:
    """What the module imports by absolute name, read once per process."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return frozenset(found)


def modules(service: str, layer: str) -> list[Path]:
    return sorted((ROOT / service / layer).rglob("*.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_layers_and_only_wiring_at_its_root(service: str) -> None:
    folder = ROOT / service
    assert all((folder / layer / "__init__.py").exists() for layer in LAYERS)
    root_modules = {p.name for p in folder.glob("*.py")}
    assert root_modules <= WIRING, root_modules - WIRING


@pytest.mark.parametrize("service", SERVICES)
def test_the_api_runs_no_sql(service: str) -> None:
    for path in modules(service, "api"):
        assert not {m for m in imports(path) if m.split(".")[0] == "sqlalchemy"}, path


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_is_plain_python(service: str) -> None:
    for path in modules(service, "domain"):
        outside = {m.split(".")[0] for m in imports(path)} & {"flask", "flask_smorest",
                                                              "sqlalchemy", "kombu"}
        assert not outside, (path, outside)


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = {f"services.{other}" for other in SERVICES if other != service}
    for path in (ROOT / service).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        assert not {m for m in imports(path) if m.startswith(tuple(others))}, path
