"""`python -m bot` as a real subprocess against the fake Bot API, and its start-up failures."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.fakebotapi import FakeBotAPI
from tests.harness import TOKEN

# Starts real processes: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(values)
    return env


def _serving_env(fake_api: FakeBotAPI, database_url: str, **values: str) -> dict[str, str]:
    """A bot that polls `fake_api`, delivery off, with `values` on top."""
    return _env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake_api.url,
        DATABASE_URL=database_url,
        SCHEDULER_ENABLED="false",
        PYTHONPATH=str(ROOT),
        **values,
    )


async def _run_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_bot_process_serves_start_help_stop(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    process = await _run_bot(_serving_env(fake_api, database_url, LOG_LEVEL="INFO"), tmp_path)
    try:
        await fake_api.wait_for_call("getUpdates", timeout=60)
        assert {c["command"] for c in fake_api.commands()} >= {"start", "help", "stop"}

        fake_api.send_text(555, "/start")
        [welcome] = await fake_api.wait_for_messages(555, 1, timeout=30)
        assert welcome.text is not None and "You are subscribed" in welcome.text

        fake_api.send_text(555, "/help")
        messages = await fake_api.wait_for_messages(555, 2, timeout=30)
        assert "/stop" in (messages[1].text or "")

        fake_api.send_text(555, "/stop")
        messages = await fake_api.wait_for_messages(555, 3, timeout=30)
        assert "no more daily tips" in (messages[2].text or "")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    log = stderr.decode()
    assert "Traceback" not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_polling_gathers_what_arrives_during_its_pause(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    """Updates that arrive while the bot waits POLL_INTERVAL come in one getUpdates batch.

    With no pause, the long poll parked after the first message would return each of the
    later ones alone (they arrive 50 ms apart), and a getUpdates would then ask from the
    second's or third's id."""
    process = await _run_bot(_serving_env(fake_api, database_url, POLL_INTERVAL="2"), tmp_path)
    try:
        await fake_api.wait_for_call("getUpdates", timeout=60)
        fake_api.send_text(600, "/help")
        await fake_api.wait_for_messages(600, 1, timeout=30)
        # The pause started when /help was fetched: these three arrive within it.
        later = []
        for chat in (601, 602, 603):
            later.append(fake_api.send_text(chat, "/help"))
            await asyncio.sleep(0.05)
        for chat in (601, 602, 603):
            await fake_api.wait_for_messages(chat, 1, timeout=30)
        offsets = [call.params.get("offset") for call in fake_api.calls_for("getUpdates")]
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    assert later[0] in offsets  # the batch was asked for from the first of them ...
    assert later[1] not in offsets and later[2] not in offsets  # ... and taken whole


def _start_and_fail(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_missing_token_exits_2(tmp_path: Path) -> None:
    result = _start_and_fail(_env(PYTHONPATH=str(ROOT)), tmp_path)
    _assert_one_clear_line(result, "BOT_TOKEN")


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://user@host/db", "DATABASE_URL is invalid"),
        ("postgresql://magbot:secret@127.0.0.1:1/magbot", "cannot open the database"),
        ("sqlite:////proc/no/such/dir/magbot.db", "cannot open the database"),
    ],
)
def test_bad_database_url_exits_2(tmp_path: Path, url: str, needle: str) -> None:
    env = _env(BOT_TOKEN=TOKEN, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    result = _start_and_fail(env, tmp_path)
    _assert_one_clear_line(result, needle, "DATABASE_URL")
    assert "secret" not in result.stderr


# A log record as runtime/logs.py formats it: "2026-11-30T05:46:33 INFO name: text".
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def _assert_one_error_line(returncode: int | None, stderr: str, *needles: str) -> None:
    """Exit status 2 and one `magbot:` line; anything else is an ordinary INFO log record."""
    assert returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    loose = [line for line in lines if not LOG_RECORD.match(line)]
    assert len(loose) == 1 and loose[0].startswith("magbot: "), stderr
    assert all(" INFO " in line for line in lines if LOG_RECORD.match(line)), stderr
    assert "Traceback" not in stderr and "Unclosed" not in stderr
    for needle in needles:
        assert needle in loose[0]
    assert TOKEN.split(":")[1] not in stderr


def test_empty_token_says_it_is_empty(tmp_path: Path) -> None:
    result = _start_and_fail(_env(BOT_TOKEN="", PYTHONPATH=str(ROOT)), tmp_path)
    _assert_one_error_line(result.returncode, result.stderr, "BOT_TOKEN is empty")


async def test_rejected_token_exits_2(tmp_path: Path) -> None:
    async with FakeBotAPI(token="999:the-only-valid-token") as api:
        env = _env(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, PYTHONPATH=str(ROOT))
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
        process = await _run_bot(env, tmp_path)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    _assert_one_error_line(process.returncode, stderr.decode(), "BOT_TOKEN was rejected")


def test_unreachable_bot_api_exits_2(tmp_path: Path) -> None:
    with socket.socket() as closed:
        # A port that was free a moment ago: nothing listens there now.
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = _env(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{port}", PYTHONPATH=str(ROOT))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = _start_and_fail(env, tmp_path)
    _assert_one_error_line(result.returncode, result.stderr, "cannot reach the Bot API")
