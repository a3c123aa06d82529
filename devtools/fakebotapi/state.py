"""The fake Telegram's state: chats, messages, updates, faults and limits, and the change signal.

:class:`TelegramState` is the base the test-side API (:mod:`.control`) and the Bot API method
families (:mod:`.methods`) build on; :class:`~.engine.FakeTelegram` puts them together.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .builders import chat_json, guess_chat_type, image_size
from .html_markup import HtmlParseError, parse_html, strip_html
from .limits import AfterDelivery, Fault, SlidingWindow, retry_after_seconds
from .methods.params import _chat_key
from .records import BotMessage, Call, CallbackAnswer, Stats
from .wire import ApiError, JsonDict, UploadedFile, bad_request, too_many_requests

Handler = Callable[[JsonDict, dict[str, UploadedFile]], Awaitable[Any]]

# Sends that count against Telegram's message limits; sendChatAction is not a message.
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
# Methods that reach the user, so a user who blocked the bot makes them fail.
MESSAGING_METHODS = SEND_METHODS | {
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
}
_BLOCKED = "Forbidden: bot was blocked by the user"
_DEACTIVATED = "Forbidden: user is deactivated"


def _pulse(event: asyncio.Event) -> asyncio.Event:
    """Wake everyone waiting on ``event`` and hand back a fresh one for the next change."""
    event.set()
    return asyncio.Event()


class TelegramState:
    """In-memory Bot API state, plus the checks every request goes through (faults, limits).

    With ``record=False`` (benchmark mode) only counters, per-chat counts and per-chat text hashes
    (for duplicate detection) are kept: no calls, transcripts or uploaded files.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int | None = None,
        bot_username: str = "magbot_test_bot",
        bot_first_name: str = "MagBot",
        rate_limit: int | None = None,
        per_chat_limit: int | None = None,
        record: bool = True,
        strict_html: bool = True,
    ) -> None:
        self.token = token
        if bot_id is None:
            prefix = (token or "").split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.record = record
        self.strict_html = strict_html
        self._rate_limit = rate_limit
        self._per_chat_limit = per_chat_limit
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }
        self._closing = False
        # Never reset: polls and waiters parked across a reset() still need consistent counters.
        self._poll_generation = 0
        self.waiting_polls = 0
        self.version = 0
        # A polling bot keeps its offset across our reset(), so update ids must keep rising.
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._calls_changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        """Forget everything: updates, calls, messages, faults, limits' history and counters."""
        self._stats = Stats()
        self.calls: list[Call] = []
        self.callback_answers: list[CallbackAnswer] = []
        self._updates: list[JsonDict] = []
        self._callback_queries: dict[str, bool] = {}
        self._messages: dict[int, dict[int, BotMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._admins: dict[int, set[int]] = {}
        self._creators: dict[int, int] = {}
        self._files: dict[str, UploadedFile] = {}
        self._sent_keys: dict[int, set[int]] = {}
        self._faults: list[Fault] = []
        self._after_delivery: list[AfterDelivery] = []
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        self._unknown_chats: set[int | str] = set()
        self._delays: dict[str, float] = {}
        self._global_window = SlidingWindow(self._rate_limit) if self._rate_limit else None
        self._chat_windows: dict[int, SlidingWindow] = {}
        self.webhook_url = ""
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._menu_buttons: dict[int | None, JsonDict] = {}
        # Wake anyone waiting so they re-check against the emptied state.
        self._updates_changed = _pulse(self._updates_changed)
        self._note_change()

    def _note_change(self) -> None:
        self.version += 1
        self._calls_changed = _pulse(self._calls_changed)

    def close(self) -> None:
        """Release long polls and delays so the server can shut down promptly."""
        self._closing = True
        self._updates_changed = _pulse(self._updates_changed)
        self._note_change()

    def _method_table(self) -> dict[str, Handler]:
        """The Bot API methods answered, by Telegram's name; :class:`FakeTelegram` fills it."""
        return {}

    # ------------------------------------------------------------------ faults and limits

    def _check_faults(self, method: str, params: JsonDict) -> None:
        chat_id = _chat_key(params.get("chat_id"))
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise fault.error()
        if chat_id is None:
            return
        if chat_id in self._unknown_chats:
            raise bad_request("chat not found")
        if method in MESSAGING_METHODS:
            if chat_id in self._blocked:
                raise ApiError(403, _BLOCKED)
            if chat_id in self._deactivated:
                raise ApiError(403, _DEACTIVATED)

    def _admit_send(self, chat_id: int, key: int) -> None:
        """Apply rate limits, then count an accepted send (and whether it repeats one)."""
        now = time.monotonic()
        chat_window = None
        if self._per_chat_limit:
            chat_window = self._chat_windows.get(chat_id)
            if chat_window is None:
                chat_window = self._chat_windows[chat_id] = SlidingWindow(self._per_chat_limit)
            wait = chat_window.wait_time(now)
            if wait > 0:
                raise too_many_requests(retry_after_seconds(wait))
        if self._global_window is not None:
            wait = self._global_window.wait_time(now)
            if wait > 0:
                raise too_many_requests(retry_after_seconds(wait))
            self._global_window.record(now)
        if chat_window is not None:
            chat_window.record(now)
        stats = self._stats
        stats.sends_accepted += 1
        stats.per_chat[chat_id] += 1
        keys = self._sent_keys.setdefault(chat_id, set())
        if key in keys:
            stats.duplicates += 1
            stats.duplicate_chats[chat_id] += 1
        else:
            keys.add(key)

    # ------------------------------------------------------------------ messages and chats

    def _render(self, raw: str, parse_mode: str | None) -> str:
        if parse_mode is None or parse_mode.lower() != "html":
            return raw
        if not self.strict_html:
            return strip_html(raw)
        try:
            return parse_html(raw)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None

    def _new_message(self, chat_id: int, kind: str, **fields: Any) -> BotMessage:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = BotMessage(chat_id, message_id, int(time.time()), kind, **fields)
        if self.record:
            self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _message_json(self, message: BotMessage) -> JsonDict:
        data: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat_json(message.chat_id),
            "date": message.date,
        }
        if message.text is not None:
            data["text"] = message.text
        if message.kind == "photo" and message.file_id is not None:
            width, height = image_size(message.file.data) if message.file else (0, 0)
            data["photo"] = [
                {
                    "file_id": message.file_id,
                    "file_unique_id": f"u{message.file_id}",
                    "width": width,
                    "height": height,
                    "file_size": len(message.file.data) if message.file else 0,
                }
            ]
        if message.kind == "document" and message.file_id is not None:
            document: JsonDict = {
                "file_id": message.file_id,
                "file_unique_id": f"u{message.file_id}",
            }
            if message.file is not None:
                document["file_name"] = message.file.filename
                document["mime_type"] = message.file.content_type
                document["file_size"] = len(message.file.data)
            data["document"] = document
        if message.caption is not None:
            data["caption"] = message.caption
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            # Telegram only echoes inline keyboards back; reply keyboards are not part of Message.
            data["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        return data

    def _chat_json(self, chat_id: int) -> JsonDict:
        known = self._chats.get(chat_id)
        if known is not None:
            return known
        return chat_json(chat_id, guess_chat_type(chat_id))
