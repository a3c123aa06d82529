"""`make console`: the real bot in a terminal, with no token and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Starts real processes: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def run_console(lines: list[str], tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "TELEGRAM_API_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot.console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_console_answers_start_help_and_stop(tmp_path: Path) -> None:
    out = run_console(["/start", "/help", "/nonsense", "/stop"], tmp_path)
    assert "You are subscribed: a tip every day at 09:00 (UTC)" in out
    assert "/stop - stop daily tips" in out
    assert "don't know the command /nonsense" in out
    assert "no more daily tips" in out
    # Replies come in the order the person typed.
    assert out.index("You are subscribed") < out.index("What I can do") < out.index("no more")


def test_console_keeps_state_in_the_database(tmp_path: Path) -> None:
    run_console(["/start"], tmp_path)
    out = run_console(["/start"], tmp_path)
    assert "already subscribed" in out


def test_console_buttons_and_typed_answers_stay_in_order(tmp_path: Path) -> None:
    """A number presses a button; each reply appears before the next typed line's reply,
    even when a handler is slow (the first time-zone lookup loads the city tables)."""
    out = run_console(["/start", "1", "Berlin", "/help"], tmp_path)
    assert "(you pressed: 🌍 Set time zone)" in out
    assert "Time zone: Berlin, Germany (Europe/Berlin)" in out
    assert out.index("Europe/Berlin") < out.index("👤 /help") < out.index("What I can do")
