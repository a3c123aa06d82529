"""The bot token never leaves the process (review finding M2): not through the ledger's
error column, not through log records, not through stderr, whatever the network does.

aiohttp's exceptions quote the request URL, and the URL holds the token; the broken Bot
API below answers in the malformed ways that make aiohttp say so."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from content import Library
from runtime.config import fail
from runtime.logs import RedactingFilter
from scheduler.engine import DeliveryEngine
from storage import Database
from storage import deliveries as ledger
from storage.deliveries import LedgerStatus
from storage.models import Delivery
from tests.harness import TOKEN
from tests.scheduler.helpers import (
    add_chat,
    closed_port,
    engine_settings,
    running_engine,
    sending_bot,
    utc,
)

ROOT = Path(__file__).resolve().parent.parent
AT = utc("2026-11-22T09:00:00Z")
SECRET = TOKEN.split(":")[1]
_GET_ME = json.dumps(
    {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "b", "username": "b"}}
).encode()
_OK = json.dumps({"ok": True, "result": True}).encode()

# How the broken server answers each chat's sendMessage (and every other method).
ANSWERS: dict[str, bytes | None] = {
    "bad status line": b"HTTZ\r\n\r\n",
    "bad length": b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n",
    "bad status code": b"HTTP/1.1 2x0 OK\r\n\r\n",
    "control character": b"HTTP/1.1 200 OK\r\nX: \x01\r\n\r\n",
    "short body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{",
    "close": b"",
    "reset": None,
}
CHATS = dict(zip(ANSWERS, range(1, len(ANSWERS) + 1), strict=True))


def _response(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


@asynccontextmanager
async def broken_bot_api(answer_others: str | None = None) -> AsyncIterator[str]:
    """A Bot API that answers getMe, then sendMessage as ANSWERS says for the chat (and
    every other method as `answer_others` says, or with a plain `true`)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            body = await reader.readexactly(length)
            request_line = head.split(b"\r\n")[0]
            if b"/getMe" in request_line:
                answer: bytes | None = _response(_GET_ME)
            elif b"/sendmessage" in request_line.lower():
                answer = ANSWERS[list(ANSWERS)[int(json.loads(body)["chat_id"]) - 1]]
            elif answer_others is not None:
                answer = ANSWERS[answer_others]
            else:
                answer = _response(_OK)
            if answer is None:
                # An RST instead of a FIN: the client reads "connection reset by peer".
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                writer.write(answer)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError, StopIteration):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


OUR_PACKAGES = {"bot", "content", "runtime", "scheduler", "storage"}


def _leaks(text: str) -> bool:
    return TOKEN in text or SECRET in text


def _formatted(record: logging.LogRecord) -> str:
    """The record as a handler writes it, traceback included."""
    return logging.Formatter().format(record)


async def test_transport_errors_leave_no_token_in_the_ledger_logs_or_stderr(
    db: Database,
    library: Library,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level("DEBUG")
    for chat_id in CHATS.values():
        await add_chat(db, chat_id, now=AT.replace(hour=0))
    async with (
        broken_bot_api() as url,
        running_engine(db, library, url, database_url, chat_interval=0) as engine,
    ):
        broken = await engine.tick(AT)
    # Then one more chat while nothing listens at all: refused, retried, given up.
    await add_chat(db, 99, now=AT.replace(hour=0))
    refused = f"http://127.0.0.1:{closed_port()}"
    settings = engine_settings(refused, database_url, send_retries=1)
    async with sending_bot(refused) as bot:
        unreachable = await DeliveryEngine(db, library, bot, settings, backoff=0.01).tick(AT)
    assert (broken.sent, broken.failed) == (0, len(CHATS))
    async with db.session() as session:
        query = select(Delivery.status).where(Delivery.chat_id.in_(CHATS.values()))
        statuses = set(await session.scalars(query))
    assert statuses == {"unknown"}  # each answer may hide a delivered message
    assert (unreachable.sent, unreachable.failed) == (0, 1)

    async with db.session() as session:
        rows = list(await session.scalars(select(Delivery)))
    errors = [r.error or "" for r in rows]
    assert rows and all(errors), "every failed row says why"
    assert not any(_leaks(e) for e in errors), errors
    # Our own records say nothing secret even unfiltered (and do report the failures)...
    ours = [r for r in caplog.records if r.name.split(".")[0] in OUR_PACKAGES]
    assert any(r.levelno >= logging.WARNING for r in ours)
    assert not any(_leaks(_formatted(r)) for r in ours)
    # ...and nothing at all gets past the process's filter: PTB logs its base URL at DEBUG.
    production = RedactingFilter([TOKEN])
    for record in caplog.records:
        copy = logging.makeLogRecord(record.__dict__)
        production.filter(copy)
        assert not _leaks(_formatted(copy))
    out, err = capfd.readouterr()
    assert not _leaks(out + err)


async def test_the_ledger_redacts_a_token_shaped_error_before_cutting_it(db: Database) -> None:
    await add_chat(db, 1, now=AT.replace(hour=0))
    async with db.session() as session:
        [row_id] = (
            await ledger.open_entries(
                session, [ledger.LedgerEntry(1, AT.date(), ledger.Kind.TIP, "t", AT)]
            )
        ).values()
        # The token straddles the column's 200-character cut.
        text = "x" * 170 + f"http://api/bot{TOKEN}/sendMessage"
        await ledger.mark(session, [row_id], LedgerStatus.FAILED, error=text)
    async with db.session() as session:
        stored = await session.get(Delivery, row_id)
    assert stored is not None and stored.error is not None
    assert "123456789:TESTtok" not in stored.error and "<token>" in stored.error


def test_fail_redacts_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        fail(f"cannot reach http://api/bot{TOKEN}/getMe")
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert not _leaks(err) and "<token>" in err


def _env(api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.mark.process
def test_an_uncaught_exception_prints_a_redacted_traceback(tmp_path: Path) -> None:
    script = (
        "from runtime.logs import configure_logging\n"
        f"configure_logging('INFO', [{TOKEN!r}])\n"
        f"raise RuntimeError('while asking http://api/bot' + {TOKEN!r} + '/setMyCommands')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=_env("http://x", "sqlite:///x.db"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "RuntimeError" in result.stderr and "<token>" in result.stderr
    assert not _leaks(result.stderr + result.stdout)


@pytest.mark.process
async def test_python_m_bot_failing_at_start_up_prints_no_token(tmp_path: Path) -> None:
    """The review's case: getMe works, then publishing the command menu gets a malformed
    answer, which used to escape as a traceback quoting the URL."""
    async with broken_bot_api(answer_others="bad status line") as url:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path,
            env=_env(url, f"sqlite:///{tmp_path}/magbot.db", SCHEDULER_ENABLED="false"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode != 0
    assert not _leaks(out.decode() + err.decode()), err.decode()


@pytest.mark.process
async def test_python_m_scheduler_tick_against_a_broken_api_prints_no_token(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/magbot.db"
    db = Database(database_url)
    try:
        from storage import migrate

        await migrate.upgrade(db)
        for chat_id in CHATS.values():
            await add_chat(db, chat_id, now=AT.replace(hour=0))
    finally:
        await db.close()
    async with broken_bot_api() as url:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "scheduler", "tick", "--at", AT.isoformat(), cwd=tmp_path,
            env=_env(url, database_url),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert f"failed={len(CHATS)}" in out.decode()
    assert not _leaks(out.decode() + err.decode()), err.decode()
