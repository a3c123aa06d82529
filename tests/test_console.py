"""`make console`: the real bot in a terminal, with no token and no network.

Most tests run `python -m bot.console` as a real process, fed through a pipe or a pseudo
terminal; a few drive the console's loop in-process against a tiny PTB application, where a
test can hold a handler back for as long as it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import queue
import re
import select
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.console import CHAT_ID, PNG_SIGNATURE, Console, Screen, StdinLines
from bot.services import AnyApplication
from devtools.fakebotapi import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
# Generous limits that only stop a hung console from hanging the test run.
HANG_GUARD = 120.0
SOMETHING_WENT_WRONG = "Sorry, something went wrong"
# Settings a developer's shell might carry that would point the console somewhere else.
FOREIGN_SETTINGS = {
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_URL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "CONTENT_DIR",
    "FLOOD_LIMIT",
}


def console_env(database: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
    env["PYTHONPATH"] = str(ROOT)
    if database is not None:
        env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def run_console(
    lines: list[str], tmp_path: Path, database: Path | None
) -> subprocess.CompletedProcess[str]:
    """Pipe `lines` into a console that runs in `tmp_path` (with DATABASE_URL pointing at
    `database`, or unset for None); it leaves at the end of its input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=console_env(database),
        timeout=HANG_GUARD,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert SOMETHING_WENT_WRONG not in result.stdout
    return result


def chat(lines: list[str], tmp_path: Path) -> str:
    return run_console(lines, tmp_path, tmp_path / "console-test.db").stdout


class ConsoleProcess:
    """A console whose standard input stays open: it can only leave because of a signal."""

    def __init__(self, tmp_path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.console"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=tmp_path,
            env=console_env(tmp_path / "console-test.db"),
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        self._stderr.extend(self.process.stderr)

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, part: str) -> None:
        while not any(part in line for line in self.output):
            try:
                line = self._lines.get(timeout=HANG_GUARD)
            except queue.Empty:
                raise AssertionError(f"the console never printed {part!r}") from None
            if line is None:
                raise AssertionError(f"the console ended without printing {part!r}")
            self.output.append(line)

    def interrupt_and_wait(self) -> tuple[int, str, str]:
        """Ctrl-C, then the exit status, all output and the error output."""
        self.process.send_signal(signal.SIGINT)
        status = self.process.wait(timeout=HANG_GUARD)
        for pump in self._pumps:
            pump.join(timeout=HANG_GUARD)
        while (line := self._lines.get_nowait()) is not None:
            self.output.append(line)
        assert self.process.stdin is not None
        self.process.stdin.close()
        return status, "".join(self.output), "".join(self._stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def console_process(tmp_path: Path) -> Iterator[ConsoleProcess]:
    process = ConsoleProcess(tmp_path)
    yield process
    process.kill()


# ---------------------------------------------------------------------------- as a process


@pytest.mark.process
def test_console_answers_start_help_and_stop(tmp_path: Path) -> None:
    out = chat(["/start", "/help", "/nonsense", "/stop"], tmp_path)
    assert "You are subscribed: a tip every day at 09:00 (UTC)" in out
    assert "/stop - stop daily tips" in out
    assert "don't know the command /nonsense" in out
    assert "no more daily tips" in out
    # Replies come in the order the person typed.
    assert out.index("You are subscribed") < out.index("What I can do") < out.index("no more")


@pytest.mark.process
def test_console_keeps_state_in_the_database(tmp_path: Path) -> None:
    chat(["/start"], tmp_path)
    out = chat(["/start"], tmp_path)
    assert "already subscribed" in out


@pytest.mark.process
def test_console_buttons_and_typed_answers_stay_in_order(tmp_path: Path) -> None:
    """A number presses a button; each reply appears before the next typed line's reply,
    even when a handler is slow (the first time-zone lookup loads the city tables)."""
    out = chat(["/start", "1", "Berlin", "/help"], tmp_path)
    assert "(you pressed: 🌍 Set time zone)" in out
    assert "Time zone: Berlin, Germany (Europe/Berlin)" in out
    assert out.index("Europe/Berlin") < out.index("👤 /help") < out.index("What I can do")


@pytest.mark.process
def test_a_second_session_after_settings_works(tmp_path: Path) -> None:
    """The database remembers the first session's menu, and the new menu takes its buttons
    off. The new session's Telegram has never seen that message: it answers 400 "message to
    edit not found", as Telegram does for a message it does not have, and the bot carries on."""
    chat(["/start", "/settings"], tmp_path)
    out = chat(["/settings", "10"], tmp_path)  # 10: ✔️ Done
    assert "⚙️ Settings" in out
    assert "buttons removed" not in out
    assert "(you pressed: ✔️ Done)" in out
    assert "✅ Saved: a tip every day at 09:00 (UTC)" in out


@pytest.mark.process
def test_message_ids_carry_on_across_sessions(tmp_path: Path) -> None:
    """Had the second session numbered its messages from 1 again, its menu would get the
    first menu's id, which the bot remembers, and lose its buttons as "the old menu"."""
    chat(["/start", "/settings"], tmp_path)
    out = chat(["/start", "/settings", "10"], tmp_path)  # the same ids, were they reused
    assert out.count("⚙️ Settings") == 1
    assert "buttons removed" not in out
    assert "(you pressed: ✔️ Done)" in out


@pytest.mark.process
def test_removing_old_buttons_does_not_reprint_the_message(tmp_path: Path) -> None:
    out = chat(["/start", "/settings"], tmp_path)
    welcome = "Each day I send one short, practical tip"
    assert out.count(welcome) == 1
    # One line says what happened, after the new menu.
    removed = "   (buttons removed from “👋 Welcome to MagBot!”)\n"
    assert out.count(removed) == 1
    assert out.index("⚙️ Settings") < out.index(removed)


@pytest.mark.process
def test_charts_are_saved_as_png_files(tmp_path: Path) -> None:
    """/today sends its chart without a file name, /foods with one: both are PNG files,
    each announced on one line, after the chat action the bot sends while drawing."""
    out = chat(["/start", "/log almonds", "/today", "/foods", "2"], tmp_path)  # 2: 📊 Chart
    saved = re.findall(r"^🤖 🖼  image saved as (\S+)$", out, flags=re.MULTILINE)
    assert len(saved) == 3
    for name in saved:
        assert re.fullmatch(r"data/console/message-\d+\.png", name)
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
    foods = out.split("👤 /foods", 1)[1]
    assert foods.index("🤖 sending a photo…") < foods.index("🖼  image saved as")


@pytest.mark.process
def test_pasted_lines_are_all_answered(tmp_path: Path) -> None:
    """Far more than the flood limit of 20 messages a minute: none is dropped."""
    lines = ["/start"] + [f"/log almonds {n % 3 + 1}" for n in range(30)]
    out = chat(lines, tmp_path)
    assert out.count("✅ Logged") == 30
    assert "faster than I can read them" not in out
    assert "(no reply)" not in out


@pytest.mark.process
def test_the_console_has_a_database_of_its_own(tmp_path: Path) -> None:
    """Not the bot's data/magbot.db, unless DATABASE_URL says otherwise."""
    out = run_console(["/start"], tmp_path, None).stdout
    assert "data/console.db" in out
    assert (tmp_path / "data" / "console.db").is_file()
    assert not (tmp_path / "data" / "magbot.db").exists()

    elsewhere = tmp_path / "elsewhere.db"
    out = run_console(["/start"], tmp_path, elsewhere).stdout
    assert str(elsewhere) in out
    assert "You are subscribed" in out  # a new chat: not the one in data/console.db
    assert elsewhere.is_file()


@pytest.mark.process
def test_ctrl_c_leaves_at_once_with_status_0(console_process: ConsoleProcess) -> None:
    console_process.type("/help")
    console_process.wait_for("What I can do")
    status, _, errors = console_process.interrupt_and_wait()
    assert status == 0, errors
    assert "Traceback" not in errors


@pytest.mark.process
def test_ctrl_c_while_the_bot_works_finishes_the_reply(console_process: ConsoleProcess) -> None:
    console_process.type("/foods")
    console_process.wait_for("sending a photo…")  # the chart is being drawn
    status, out, errors = console_process.interrupt_and_wait()
    assert status == 0, errors
    assert "Traceback" not in errors
    assert "🖼  image saved as" in out


def _in_terminal(tmp_path: Path, line: bytes, reply: bytes, key: bytes) -> tuple[int, str]:
    """Run the console in a pseudo terminal: type `line`, wait for `reply` and the next
    prompt, then press `key`; returns the exit status and everything the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, with the terminal as its stdin and stdout
        try:
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, "-m", "bot.console"], console_env(None))
        finally:
            os._exit(127)
    screen = b""

    def read_until(part: bytes, start: int) -> int:
        """Where `part` ends, once the terminal shows it after `start`."""
        nonlocal screen
        while (found := screen.find(part, start)) < 0:
            readable, _, _ = select.select([fd], [], [], HANG_GUARD)
            assert readable, f"the console never showed {part!r}: {screen[-500:]!r}"
            screen += os.read(fd, 65536)
        return found + len(part)

    try:
        read_until(b"you> ", 0)
        os.write(fd, line)
        read_until(b"you> ", read_until(reply, 0))
        os.write(fd, key)
        _, status = os.waitpid(pid, 0)
        with contextlib.suppress(OSError):  # the terminal is gone once the console exits
            while select.select([fd], [], [], 0)[0] and (chunk := os.read(fd, 65536)):
                screen += chunk
    finally:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), screen.decode("utf-8", "replace")


@pytest.mark.process
@pytest.mark.parametrize(("key", "name"), [(b"\x03", "Ctrl-C"), (b"\x04", "Ctrl-D")])
def test_leaving_at_the_prompt_of_a_terminal(tmp_path: Path, key: bytes, name: str) -> None:
    """The newcomer's case: in a terminal, /help, then Ctrl-C (or Ctrl-D) at `you>`."""
    status, screen = _in_terminal(tmp_path, b"/help\r", b"What I can do", key)
    assert status == 0, f"{name}: {screen[-2000:]}"
    assert "Traceback" not in screen


# ---------------------------------------------------------------------------- in-process

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class RecordingScreen(Screen):
    """What the console shows, for a test to wait on."""

    def __init__(self) -> None:
        super().__init__(colour=False)
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def show(self, text: str) -> None:
        self.lines.extend(text.strip("\n").split("\n"))
        self._changed.set()

    async def wait_for(self, part: str) -> None:
        async with asyncio.timeout(HANG_GUARD):
            while not any(part in line for line in self.lines):
                self._changed.clear()
                await self._changed.wait()

    def index(self, part: str) -> int:
        return next(n for n, line in enumerate(self.lines) if part in line)


@contextlib.asynccontextmanager
async def console_for(
    handler: Handler, tmp_path: Path, *, typing_after: float = HANG_GUARD
) -> AsyncIterator[tuple[Console, RecordingScreen]]:
    """A console and a one-handler bot, wired as `chat()` wires the real one."""
    screen = RecordingScreen()
    console = Console(FakeTelegram(), screen, files_dir=tmp_path, typing_after=typing_after)
    application: AnyApplication = (
        ApplicationBuilder()
        .token("1:console-test")
        .request(console.request())
        .get_updates_request(console.request())
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, handler))
    console.attach(application)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            yield console, screen
        finally:
            await application.updater.stop()
            await application.stop()


async def test_a_slow_reply_shows_typing(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await release.wait()
        assert update.effective_message is not None
        await update.effective_message.reply_text("done at last")

    # typing_after=0: any reply not there at once counts as slow; this one waits for the test.
    async with console_for(slow, tmp_path, typing_after=0.0) as (console, screen):
        said = asyncio.create_task(console.say("hello"))
        await screen.wait_for("🤖 typing…")
        assert not any("done at last" in line for line in screen.lines)
        release.set()
        await said
    assert screen.index("typing…") < screen.index("done at last")
    assert sum("typing…" in line for line in screen.lines) == 1


async def test_chat_action_typing_is_shown(tmp_path: Path) -> None:
    async def thinking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_chat_action(CHAT_ID, ChatAction.TYPING)
        assert update.effective_message is not None
        await update.effective_message.reply_text("an answer")

    async with console_for(thinking, tmp_path) as (console, screen):
        await console.say("hello")
    assert screen.index("🤖 typing…") < screen.index("an answer")


async def test_a_message_the_bot_ignores_says_so(tmp_path: Path) -> None:
    async def silent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    async with console_for(silent, tmp_path) as (console, screen):
        await console.say("hello")
    assert screen.lines[-1] == "   (no reply)"


async def test_an_unknown_message_id_gets_telegrams_answer(tmp_path: Path) -> None:
    async def edit_a_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        try:
            await context.bot.edit_message_reply_markup(CHAT_ID, 999_999, reply_markup=None)
        except BadRequest as error:
            await update.effective_message.reply_text(f"refused: {error.message}")

    async with console_for(edit_a_stranger, tmp_path) as (console, screen):
        await console.say("hello")
    assert "🤖 refused: Message to edit not found" in screen.lines


async def test_stdin_lines_come_whole(tmp_path: Path) -> None:
    """Reads arrive in pieces: a line, or even a character, can span two of them."""
    read_end, write_end = os.pipe()
    try:
        lines = StdinLines(read_end)
        os.write(write_end, b"/start\ncaf" + "é".encode()[:1])
        assert await lines.readline() == "/start"
        os.write(write_end, "é".encode()[1:] + b"\nno newline at the end")
        assert await lines.readline() == "café"
        os.close(write_end)
        assert await lines.readline() == "no newline at the end"
        assert await lines.readline() is None
    finally:
        os.close(read_end)
        with contextlib.suppress(OSError):
            os.close(write_end)
