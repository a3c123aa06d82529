"""`make console`: chat with the real bot in a terminal, with no token and no network.

The real Application, handlers and database run unchanged against the fake Telegram of
`devtools.fakebotapi`, called in-process instead of over HTTP: the bot gets Telegram's
answers, errors included (an old message id gets 400 "message to edit not found", as it
would in production). This module only turns typed lines into updates and renders what
the bot does in the chat. Inline keyboards appear as numbered choices: type the number to
press one.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import html
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import build_application, publish_menu
from bot.config import BotSettings
from bot.handlers import warm_up_all
from bot.services import AnyApplication, services_in
from devtools.fakebotapi import FakeTelegram, UploadedFile
from devtools.fakebotapi.wire import JsonDict, decode_form_value
from devtools.tracking import UpdateTracker
from runtime.config import load_settings
from runtime.logs import configure_logging
from runtime.startup import load_content, open_database

CHAT_ID = 1001
FIRST_NAME = "You"
# Relative to where the console runs (`make console`: the project root), like the bot's own
# default database. A console of its own keeps chat 1001 out of the database `make run` uses,
# where the delivery engine would try to message it.
CONSOLE_DATABASE = "sqlite:///data/console.db"
FILES_DIR = Path("data/console")
# In FILES_DIR: the id of the bot's last message, so the next run numbers its messages after
# it (see FakeTelegram.continue_chat).
LAST_ID_NAME = "last-message-id"
# Pasting a few dozen lines is normal in a terminal: the flood guard (20 messages a minute)
# would mute the chat and drop the rest without a word. Its highest setting turns it off.
FLOOD_LIMIT_OFF = 10_000
# A reply this slow gets a "typing…" line, so a slow first lookup does not look like a hang.
TYPING_AFTER = 1.0
CHAT_ACTIONS = {
    "typing": "typing…",
    "upload_photo": "sending a photo…",
    "upload_document": "sending a file…",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Button = tuple[str, str | None, str | None]  # label, callback data, url
Observer = Callable[[str, JsonDict, int, JsonDict], None]


class Screen:
    """Renders the bot's HTML messages for a terminal."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def render(self, text: str) -> str:
        style = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "code": "36"}

        def tag(match: re.Match[str]) -> str:
            closing, name = match.group(1), match.group(2).lower()
            if not self.colour or name not in style:
                return ""
            return "\033[0m" if closing else f"\033[{style[name]}m"

        return html.unescape(re.sub(r"<(/?)([a-zA-Z-]+)[^>]*>", tag, text))

    def show(self, text: str) -> None:
        print(text, flush=True)

    def prompt(self, text: str) -> None:
        print(text, end="", flush=True)


class FakeTelegramRequest(BaseRequest):
    """PTB's HTTP layer replaced by direct calls into the fake Telegram.

    The parameters are decoded exactly as the fake's HTTP server decodes a request body, so
    the bot sees the same answers and errors it would see over the wire. `observe` is told
    about every call once it has been answered.
    """

    def __init__(self, telegram: FakeTelegram, observe: Observer) -> None:
        self._telegram = telegram
        self._observe = observe

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params, files = _wire_parameters(request_data)
        # The fake checks no token (it was made without one), so none needs passing on.
        status, body = await self._telegram.handle("", api_method, params, files)
        self._observe(api_method, params, status, body)
        return status, json.dumps(body).encode()


def _wire_parameters(data: RequestData | None) -> tuple[JsonDict, dict[str, UploadedFile]]:
    if data is None:
        return {}, {}
    params = {name: decode_form_value(name, value) for name, value in data.json_parameters.items()}
    files = {}
    for name, part in data.multipart_data.items():
        filename, content = part[0], part[1]
        content_type = part[2] if len(part) > 2 else "application/octet-stream"
        raw = content if isinstance(content, bytes) else content.read()
        files[name] = UploadedFile(filename or name, content_type, raw)
    return params, files


class StdinLines:
    """Lines typed (or piped) on standard input, read on the event loop.

    No thread blocks in `input()`: a thread stuck there kept Ctrl-C from ending the console
    until Enter was pressed. A terminal hands over a whole line once Enter is pressed, so
    one read after the descriptor turns readable never blocks.
    """

    def __init__(self, fd: int = 0) -> None:
        self._fd = fd
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._eof = False

    async def readline(self) -> str | None:
        """The next line without its newline; None at end of input (Ctrl-D)."""
        while "\n" not in self._buffer and not self._eof:
            chunk = await self._read()
            self._eof = not chunk
            self._buffer += self._decoder.decode(chunk, final=self._eof)
        if "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            return line
        line, self._buffer = self._buffer, ""
        return line or None

    async def _read(self) -> bytes:
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        try:
            loop.add_reader(self._fd, ready)
        except (OSError, ValueError, NotImplementedError):
            # Not watchable (a file, /dev/null, an event loop without add_reader): a daemon
            # thread reads instead, which, unlike the executor's threads, never holds up the exit.
            return await _read_in_thread(self._fd)
        try:
            await readable
        finally:
            loop.remove_reader(self._fd)
        return os.read(self._fd, 65536)


async def _read_in_thread(fd: int) -> bytes:
    loop = asyncio.get_running_loop()
    result: asyncio.Future[bytes] = loop.create_future()

    def deliver(chunk: bytes) -> None:
        if not result.done():
            result.set_result(chunk)

    def read() -> None:
        chunk = os.read(fd, 65536)
        loop.call_soon_threadsafe(deliver, chunk)

    threading.Thread(target=read, daemon=True).start()
    return await result


class Console:
    """One private chat between the person at the terminal and the bot."""

    def __init__(
        self,
        telegram: FakeTelegram,
        screen: Screen,
        *,
        files_dir: Path = FILES_DIR,
        echo: bool = True,
        typing_after: float = TYPING_AFTER,
    ) -> None:
        self.telegram = telegram
        self.screen = screen
        self.files_dir = files_dir
        # Piped input is not echoed by a terminal: show each line before its replies.
        self.echo = echo
        self.typing_after = typing_after
        self._keyboard: tuple[int, list[Button]] | None = None
        # First lines of the bot's messages, to name one whose buttons are removed.
        self._titles: dict[int, str] = {}
        self._tracker = UpdateTracker()
        # Bumped by everything shown for the chat; `_replied` leaves out "typing…" lines.
        self._shown = 0
        self._replied = 0
        self._last_id_file = files_dir / LAST_ID_NAME
        self._last_id = _read_last_id(self._last_id_file)
        telegram.continue_chat(CHAT_ID, self._last_id)

    def request(self) -> BaseRequest:
        return FakeTelegramRequest(self.telegram, self._observe)

    def attach(self, application: AnyApplication) -> None:
        """Know when each update is fully handled, however its handlers ended.

        The next line is read only then, so replies come in the order lines were typed
        and nothing has to wait for a quiet moment and guess.
        """
        self._tracker.attach(application.update_processor)

    # ------------------------------------------------------------------ what the person does

    async def run(self, lines: StdinLines, *, interactive: bool) -> None:
        """Read and send lines until /quit, /exit or the end of input."""
        while True:
            if interactive:
                self.screen.prompt("\nyou> ")
            line = await lines.readline()
            if line is None:
                if interactive:
                    self.screen.show("")
                return
            line = line.strip()
            if line in {"/quit", "/exit"}:
                return
            if line:
                await self.say(line)

    async def say(self, line: str) -> None:
        """Send one typed line (text, a button number or /location) and wait for the bot."""
        if self.echo:
            self.screen.show(f"\n👤 {line}")
        if line.isdigit() and (button := self._button(int(line))) is not None:
            await self._press(*button)
            return
        if (location := _location(line)) is not None:
            update_id = self.telegram.send_location(CHAT_ID, *location, first_name=FIRST_NAME)
        else:
            update_id = self.telegram.send_text(CHAT_ID, line, first_name=FIRST_NAME)
        await self._answered(update_id, message=True)

    def _button(self, choice: int) -> tuple[int, Button] | None:
        """The message and button that number `choice` stands for, if it is on screen."""
        if self._keyboard is None:
            return None
        message_id, buttons = self._keyboard
        return (message_id, buttons[choice - 1]) if 1 <= choice <= len(buttons) else None

    async def _press(self, message_id: int, button: Button) -> None:
        label, data, url = button
        self.screen.show(f"  (you pressed: {label})")
        if data is None:
            self.screen.show(f"  (that button opens {url})")
            return
        self.telegram.press_button(CHAT_ID, message_id, data, first_name=FIRST_NAME)
        # press_button answers with the query's id; the update it queued is the last one.
        update_id: int = self.telegram.pending_updates()[-1]["update_id"]
        await self._answered(update_id, message=False)

    async def _answered(self, update_id: int, *, message: bool) -> None:
        shown, replied = self._shown, self._replied
        try:
            async with asyncio.timeout(self.typing_after):
                await self._handled(update_id)
        except TimeoutError:
            if self._shown == shown:
                self._status("typing…")
            await self._handled(update_id)
        if message and self._replied == replied:
            # A message the bot ignores would otherwise look like a console that hung.
            self._notice("(no reply)")

    async def _handled(self, update_id: int) -> None:
        await self._tracker.wait(update_id)

    # ------------------------------------------------------------------ what the bot does

    def _observe(self, method: str, params: JsonDict, status: int, body: JsonDict) -> None:
        # Failed calls changed nothing in the chat; the bot handles them as it would with
        # Telegram (an old menu that no longer exists simply keeps no buttons to strip).
        if status != 200:
            return
        if method != "answerCallbackQuery" and not _is_chat(params.get("chat_id")):
            return
        result = body.get("result")
        if method == "sendMessage" and isinstance(result, dict):
            self._message(result["message_id"], str(params.get("text") or ""), params)
        elif method in {"sendPhoto", "sendDocument"} and isinstance(result, dict):
            self._file(method, result, params)
        elif method in {"editMessageText", "editMessageCaption"} and isinstance(result, dict):
            text = str(params.get("text") or params.get("caption") or "")
            self._message(result["message_id"], text, params, edited=True)
        elif method == "editMessageReplyMarkup" and isinstance(result, dict):
            self._buttons_changed(result["message_id"], params)
        elif method == "deleteMessage":
            self._notice(f"(message deleted: {self._title(int(params['message_id']))})")
        elif method == "answerCallbackQuery" and params.get("text"):
            mark = "⚠️ " if params.get("show_alert") else "ℹ️ "
            self._notice(f"{mark} {params['text']}")
        elif method == "sendChatAction":
            action = str(params.get("action"))
            self._status(CHAT_ACTIONS.get(action, action.replace("_", " ") + "…"))

    def _message(
        self, message_id: int, raw: str, params: JsonDict, *, edited: bool = False
    ) -> None:
        self._remember_id(message_id)
        text = self.screen.render(raw)
        if text:
            self._titles[message_id] = _first_line(text)
            prefix = "\n🤖 (edited) " if edited else "\n🤖 "
            self._show(prefix + text.replace("\n", "\n   "))
        self._show_buttons(message_id, params.get("reply_markup"))

    def _file(self, method: str, result: JsonDict, params: JsonDict) -> None:
        message_id = int(result["message_id"])
        self._remember_id(message_id)
        stored = next(
            (m for m in self.telegram.messages(CHAT_ID) if m.message_id == message_id), None
        )
        if stored is None or stored.file is None:
            return
        path = self._save(message_id, stored.file)
        what = "🖼  image saved as" if method == "sendPhoto" else "📎 file saved as"
        # The caption goes under the file's line, as Telegram shows it under the picture.
        caption = self.screen.render(str(params.get("caption") or ""))
        self._titles[message_id] = _first_line(caption) if caption else path.name
        self._show(f"\n🤖 {what} {_shown_path(path)}")
        if caption:
            self._show("   " + caption.replace("\n", "\n   "))
        self._show_buttons(message_id, params.get("reply_markup"))

    def _save(self, message_id: int, upload: UploadedFile) -> Path:
        # Charts go out as bytes, often without a file name; they are PNGs whatever the
        # name says, and a viewer needs the .png to open them.
        if upload.data.startswith(PNG_SIGNATURE):
            name = f"message-{message_id}.png"
        else:
            name = f"message-{message_id}-{Path(upload.filename).name}"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / name
        path.write_bytes(upload.data)
        return path

    def _buttons_changed(self, message_id: int, params: JsonDict) -> None:
        markup = params.get("reply_markup")
        if _buttons(markup):
            self._notice(f"(new buttons on {self._title(message_id)})")
            self._show_buttons(message_id, markup)
            return
        # Only say what changed: reprinting the whole old message read as a new one.
        self._notice(f"(buttons removed from {self._title(message_id)})")
        if self._keyboard is not None and self._keyboard[0] == message_id:
            self._keyboard = None

    def _show_buttons(self, message_id: int, markup: Any) -> None:
        buttons = _buttons(markup)
        if not buttons:
            return
        self._keyboard = (message_id, buttons)
        for number, (label, _, _) in enumerate(buttons, start=1):
            self._show(f"   [{number}] {label}")

    def _title(self, message_id: int) -> str:
        title = self._titles.get(message_id)
        return f"“{title}”" if title else "an earlier message"

    def _status(self, text: str) -> None:
        self._shown += 1
        self.screen.show(f"🤖 {text}")

    def _notice(self, text: str) -> None:
        self._show(f"   {text}")

    def _show(self, text: str) -> None:
        self._shown += 1
        self._replied += 1
        self.screen.show(text)

    def _remember_id(self, message_id: int) -> None:
        if message_id > self._last_id:
            self._last_id = message_id
            # Written at once, so even a killed console leaves the next run a safe start.
            self._last_id_file.parent.mkdir(parents=True, exist_ok=True)
            self._last_id_file.write_text(f"{message_id}\n")


def _is_chat(value: object) -> bool:
    return str(value) == str(CHAT_ID)


def _buttons(markup: Any) -> list[Button]:
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return []
    return [(b["text"], b.get("callback_data"), b.get("url")) for row in rows for b in row]


def _first_line(text: str, width: int = 40) -> str:
    line = re.sub(r"\033\[[0-9;]*m", "", text).strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def _shown_path(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return str(path.resolve())


def _read_last_id(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0


def _location(line: str) -> tuple[float, float] | None:
    """`/location 52.52 13.40` stands for sharing a location from the attachment menu."""
    parts = line.replace(",", " ").split()
    if len(parts) != 3 or parts[0] != "/location":
        return None
    try:
        return float(parts[1]), float(parts[2])
    except ValueError:
        return None


def console_settings() -> BotSettings:
    return load_settings(
        BotSettings,
        bot_token="console:offline",
        # Only the environment picks another database: DATABASE_URL in .env is the real bot's.
        database_url=os.environ.get("DATABASE_URL") or CONSOLE_DATABASE,
        scheduler_enabled=False,
        webhook_url=None,
        flood_limit=FLOOD_LIMIT_OFF,
        # Pacing protects against Telegram's per-chat limit; the fake has none to hit.
        chat_send_interval=0,
    )


async def chat() -> None:
    loop = asyncio.get_running_loop()
    this = asyncio.current_task()
    assert this is not None
    talk: asyncio.Task[None] | None = None

    def interrupt() -> None:
        if talk is None:
            # Still starting: nothing to wind down in order yet.
            this.cancel()
        elif not talk.done():
            # Ends the conversation; the bot then shuts down in order, as after /quit.
            talk.cancel()
        else:
            # A second Ctrl-C while shutting down: whatever holds it up, leave now.
            sys.stdout.flush()
            os._exit(0)

    # Without signal handlers (Windows), Ctrl-C stays a KeyboardInterrupt, which main() ends.
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, interrupt)
    try:
        settings = console_settings()
        configure_logging("WARNING", [])
        library = load_content()
        db = await open_database(settings.database_url)
        try:
            interactive = sys.stdin.isatty()
            telegram = FakeTelegram(bot_username="magbot_console_bot")
            console = Console(telegram, Screen(colour=sys.stdout.isatty()), echo=not interactive)
            application = build_application(
                settings, library, db, request=console.request(), updates_request=console.request()
            )
            console.attach(application)
            # The console is the one handler of its updates.
            await db.cache_chats(sole_handler=True)
            # Someone at a prompt types slower than the tables load: no need to wait.
            threading.Thread(target=warm_up_all, name="warm-up", daemon=True).start()
            print(
                "MagBot console: you are chatting with the real bot (database: "
                f"{db.safe_url()}).\nType /start, /help or a question; a number presses a "
                "button; /location LAT LON shares a location; /quit, Ctrl-D or Ctrl-C leaves.",
                flush=True,
            )
            async with application:
                await publish_menu(application)
                await application.start()
                updater = application.updater
                assert updater is not None
                try:
                    await updater.start_polling(
                        poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
                    )
                    talk = asyncio.create_task(console.run(StdinLines(), interactive=interactive))
                    await asyncio.wait({talk})
                    if talk.cancelled():
                        # Ctrl-C: the shell's prompt belongs on a line of its own.
                        print(flush=True)
                    else:
                        talk.result()
                finally:
                    # Left running, they make `async with` fail with "still running".
                    if updater.running:
                        await updater.stop()
                    if application.running:
                        await application.stop()
            await services_in(application).close()
        finally:
            await db.close()
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)


def main() -> None:
    # Ctrl-C is how people leave a terminal program: no traceback, and not an error.
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(chat())


if __name__ == "__main__":
    main()
