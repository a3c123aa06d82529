"""The dependency direction is one way: content <- storage <- scheduler <- bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "content", "scheduler", "storage"}
ALLOWED = {
    "content": set(),
    "storage": {"content"},
    "scheduler": {"content", "storage"},
    "bot": {"content", "storage", "scheduler"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_only_import_downwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported - ALLOWED[package] - {package})
        for path in (ROOT / package).rglob("*.py")
        if (imported := _imported_packages(path)) - ALLOWED[package] - {package}
    }
    assert offenders == {}


def test_the_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from bot.app import build_application\nimport storage.db\n")
    assert _imported_packages(bad) == {"bot", "storage"}
