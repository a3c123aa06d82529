"""`make console`: chat with the real bot in a terminal, with no token and no network.

The real Application, handlers and database run unchanged; only the HTTP layer is
replaced by an in-process Bot API that prints what the bot sends and turns what you type
into updates. Inline keyboards appear as numbered choices: type the number to press one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import itertools
import json
import re
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app import build_application, publish_menu
from bot.services import services_in
from bot.settings import BotSettings
from runtime.config import load_settings
from runtime.logs import configure_logging
from runtime.startup import load_content, open_database

CHAT_ID = 1001
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "You", "language_code": "en"}
BOT = {"id": 42, "is_bot": True, "first_name": "MagBot", "username": "magbot_console_bot"}
PHOTO_DIR = Path("data/console")


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


class ConsoleBotAPI(BaseRequest):
    """An in-memory Bot API for one private chat."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.callback_ids = itertools.count(1)
        self.messages: dict[int, dict[str, Any]] = {}
        self.keyboard: tuple[int, list[tuple[str, str]]] | None = None
        self.last_activity = 0.0
        self.pending = 0
        # Updates taken by the bot whose handlers have not finished (a chart or the first
        # time-zone lookup can take a while): the next typed line waits for them.
        self.processing = 0

    @property
    def read_timeout(self) -> float | None:
        return 30.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # What the person types becomes updates.
    def type_text(self, text: str) -> None:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {
            "message_id": next(self.message_ids),
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "You"},
            "from": USER,
            "text": text,
        }
        if entities:
            message["entities"] = entities
        self._push({"message": message})

    def share_location(self, latitude: float, longitude: float) -> None:
        """What Telegram sends when the person shares a location (📎 → Location)."""
        message = {
            "message_id": next(self.message_ids),
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "You"},
            "from": USER,
            "location": {"latitude": latitude, "longitude": longitude},
        }
        self._push({"message": message})

    def press(self, choice: int) -> bool:
        if self.keyboard is None:
            return False
        message_id, buttons = self.keyboard
        if not 1 <= choice <= len(buttons):
            return False
        label, data = buttons[choice - 1]
        print(f"  (you pressed: {label})", flush=True)
        self._push(
            {
                "callback_query": {
                    "id": str(next(self.callback_ids)),
                    "from": USER,
                    "chat_instance": "console",
                    "data": data,
                    "message": self.messages[message_id],
                }
            }
        )
        return True

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self.update_ids)
        self.pending += 1
        self.updates.put_nowait(update)

    async def wait_until_idle(self, quiet: float = 0.4) -> None:
        """Wait until the bot has taken every update and said nothing for a moment."""
        loop = asyncio.get_running_loop()
        # A quiet period has no event to wait on: poll it.
        while (  # noqa: ASYNC110
            self.pending or self.processing or loop.time() - self.last_activity < quiet
        ):
            await asyncio.sleep(0.05)

    # What the bot sends is printed.
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
        params = request_data.parameters if request_data else {}
        if api_method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            self.last_activity = asyncio.get_running_loop().time()
            result = self._call(api_method, params, request_data)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = float(params.get("timeout", 0) or 0)
        try:
            update = await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.05))
        except TimeoutError:
            return []
        self.pending -= 1
        self.last_activity = asyncio.get_running_loop().time()
        return [update]

    def _call(self, method: str, params: dict[str, Any], data: RequestData | None) -> Any:
        if method == "getMe":
            return BOT
        if method in {"sendMessage", "sendPhoto", "sendDocument"}:
            return self._send(method, params, data)
        if method in {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}:
            return self._edit(params)
        if method == "answerCallbackQuery":
            if params.get("text"):
                self.screen.show(f"  ℹ️  {params['text']}")
            return True
        if method == "getChatMember":
            return {"status": "creator", "user": USER}
        if method == "getChat":
            return {"id": CHAT_ID, "type": "private", "first_name": "You"}
        return True

    def _send(self, method: str, params: dict[str, Any], data: RequestData | None) -> Any:
        message_id = next(self.message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "You"},
            "from": BOT,
        }
        text = str(params.get("text") or params.get("caption") or "")
        if method == "sendMessage":
            message["text"] = text
        else:
            path = self._save_file(message_id, data)
            message["photo" if method == "sendPhoto" else "document"] = _file_stub(method)
            message["caption"] = text
            kind = "🖼  [image" if method == "sendPhoto" else "📎 [file"
            self.screen.show(f"{kind} saved to {path}]")
        self._print(message_id, text, params.get("reply_markup"))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[message_id] = message
        return message

    def _edit(self, params: dict[str, Any]) -> Any:
        message_id = int(params["message_id"])
        message = self.messages.get(message_id, {"message_id": message_id})
        if "text" in params:
            message["text"] = params["text"]
        message["reply_markup"] = params.get("reply_markup")
        self.messages[message_id] = message
        self.screen.show("  (the message above was updated)")
        self._print(message_id, str(message.get("text", "")), params.get("reply_markup"))
        return message

    def _print(self, message_id: int, text: str, markup: Any) -> None:
        if text:
            self.screen.show("\n🤖 " + self.screen.render(text).replace("\n", "\n   "))
        rows = (markup or {}).get("inline_keyboard") if isinstance(markup, dict) else None
        if not rows:
            return
        buttons = [(b["text"], str(b.get("callback_data", ""))) for row in rows for b in row]
        self.keyboard = (message_id, buttons)
        for number, (label, _) in enumerate(buttons, start=1):
            self.screen.show(f"   [{number}] {label}")

    def _save_file(self, message_id: int, data: RequestData | None) -> Path:
        PHOTO_DIR.mkdir(parents=True, exist_ok=True)
        path = PHOTO_DIR / f"message-{message_id}.png"
        for _name, part in (data.multipart_data if data else {}).items():
            if part[0] and not str(part[0]).endswith(".png"):
                path = PHOTO_DIR / f"message-{message_id}-{Path(str(part[0])).name}"
            content = part[1]
            path.write_bytes(content if isinstance(content, bytes) else content.read())
        return path.resolve()


def _file_stub(method: str) -> Any:
    stub = {"file_id": "console", "file_unique_id": "console", "width": 1, "height": 1}
    return [stub] if method == "sendPhoto" else stub


def _track_processing(application: Application, api: ConsoleBotAPI) -> None:  # type: ignore[type-arg]
    processor = application.update_processor
    original = processor.do_process_update

    async def tracked(update: object, coroutine: Awaitable[Any]) -> None:
        api.processing += 1
        try:
            await original(update, coroutine)
        finally:
            api.processing -= 1
            api.last_activity = asyncio.get_running_loop().time()

    processor.do_process_update = tracked  # type: ignore[method-assign]


async def _read_lines(api: ConsoleBotAPI) -> None:
    loop = asyncio.get_running_loop()
    interactive = sys.stdin.isatty()
    while True:
        await api.wait_until_idle()
        if interactive:
            print()
        line = await loop.run_in_executor(None, _prompt, interactive)
        if line is None or line.strip() in {"/quit", "/exit"}:
            return
        line = line.strip()
        if not line:
            continue
        if not interactive:
            print(f"\n👤 {line}", flush=True)
        if line.isdigit() and api.press(int(line)):
            continue
        if (location := _location(line)) is not None:
            api.share_location(*location)
            continue
        api.type_text(line)


def _location(line: str) -> tuple[float, float] | None:
    """`/location 52.52 13.40` stands for sharing a location from the attachment menu."""
    parts = line.replace(",", " ").split()
    if len(parts) != 3 or parts[0] != "/location":
        return None
    try:
        return float(parts[1]), float(parts[2])
    except ValueError:
        return None


def _prompt(interactive: bool) -> str | None:
    try:
        return input("you> " if interactive else "")
    except EOFError:
        return None


async def chat() -> None:
    settings = load_settings(BotSettings, bot_token="console:offline", scheduler_enabled=False)
    configure_logging("WARNING", [])
    library = load_content()
    db = await open_database(settings.database_url)
    api = ConsoleBotAPI(Screen(colour=sys.stdout.isatty()))
    application = build_application(settings, library, db, request=api, updates_request=api)
    _track_processing(application, api)
    print(
        "MagBot console: you are chatting with the real bot (database: "
        f"{db.safe_url()}).\nType /start, /help or a question; a number presses a button; "
        "/location LAT LON shares a location; /quit or Ctrl-D leaves.",
        flush=True,
    )
    try:
        async with application:
            await publish_menu(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
            await _read_lines(api)
            await api.wait_until_idle()
            await application.updater.stop()
            await application.stop()
        await services_in(application).served.close()
    finally:
        await db.close()


def main() -> None:
    try:
        asyncio.run(chat())
    except KeyboardInterrupt:
        print()


if __name__ == "__main__":
    main()
