"""The dependency direction is one way: content <- storage <- runtime <- scheduler <- bot.

Development tools, benchmarks and tests sit beside the ladder: they may use any layer, and
no production module may import them (the console alone runs on the fake Bot API).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "content", "storage", "runtime", "scheduler", "devtools", "benchmarks", "tests"}
LADDER = ["content", "storage", "runtime", "scheduler", "bot"]
ALLOWED = {
    **{package: set(LADDER[:level]) for level, package in enumerate(LADDER)},
    "devtools": set(),
    "benchmarks": set(LADDER) | {"devtools"},
    "tests": set(LADDER) | {"devtools", "benchmarks"},
}
# The console is a development front end: it talks to the in-process fake Bot API.
EXCEPTIONS = {"bot/console.py": {"devtools"}}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


def _offenders(package: str, root: Path = ROOT) -> dict[str, list[str]]:
    offenders = {}
    for path in (root / package).rglob("*.py"):
        name = str(path.relative_to(root))
        allowed = ALLOWED[package] | {package} | EXCEPTIONS.get(name, set())
        if extra := _imported_packages(path) - allowed:
            offenders[name] = sorted(extra)
    return offenders


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_only_import_downwards(package: str) -> None:
    assert _offenders(package) == {}


def test_migrations_belong_to_storage() -> None:
    """Alembic's scripts ship inside storage/ and see nothing above it."""
    scripts = list((ROOT / "storage" / "migrations").rglob("*.py"))
    assert scripts, "storage/migrations holds the Alembic environment and versions"
    assert not (ROOT / "alembic").exists()
    assert all(_imported_packages(path) <= {"storage", "content"} for path in scripts)


def test_the_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from bot.app import build_application\nimport storage.db\nimport tests\n")
    assert _imported_packages(bad) == {"bot", "storage", "tests"}
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "up.py").write_text("from scheduler import engine\n")
    assert _offenders("storage", tmp_path) == {"storage/up.py": ["scheduler"]}
