"""The fake Telegram: Bot API method semantics plus the test-side API, with no HTTP in sight."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .builders import (
    DEFAULT_GROUP_USER_ID,
    chat_json,
    command_entities,
    guess_chat_type,
    image_size,
    user_json,
)
from .html_markup import HtmlParseError, parse_html, strip_html
from .limits import AfterDelivery, Fault, SlidingWindow, make_fault, retry_after_seconds
from .records import BotMessage, Call, CallbackAnswer, Stats
from .wire import (
    NO_ANSWER,
    ApiError,
    ConnectionDropped,
    JsonDict,
    UploadedFile,
    bad_request,
    default_description,
    ok_body,
    too_many_requests,
)

Handler = Callable[[JsonDict, dict[str, UploadedFile]], Awaitable[Any]]
CallPredicate = Callable[[Call], bool]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPDATES_PER_POLL = 100

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
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _pulse(event: asyncio.Event) -> asyncio.Event:
    """Wake everyone waiting on ``event`` and hand back a fresh one for the next change."""
    event.set()
    return asyncio.Event()


class FakeTelegram:
    """In-memory Bot API state and behaviour; :class:`FakeBotAPI` puts HTTP in front of it.

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

    # ------------------------------------------------------------------ configuration

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

    def set_rate_limit(self, rate_limit: int | None, per_chat_limit: int | None = None) -> None:
        """Sends per second overall / per chat (sliding one-second windows); None disables."""
        self._rate_limit = rate_limit
        self._per_chat_limit = per_chat_limit
        self._global_window = SlidingWindow(rate_limit) if rate_limit else None
        self._chat_windows = {}

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) fail with ``status``."""
        self._faults.append(
            make_fault(
                method,
                status=status,
                retry_after=retry_after,
                description=description,
                count=count,
                chat_id=chat_id,
            )
        )

    def fail_after_delivery(
        self,
        method: str,
        *,
        status: int = 502,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Carry out the next ``count`` calls of ``method`` (the message is delivered), then
        answer ``status`` anyway, as a front end that lost the backend's answer does."""
        self._after_delivery.append(AfterDelivery(method, status, count, chat_id))

    def drop_after_delivery(
        self, method: str, *, count: int = 1, chat_id: int | str | None = None
    ) -> None:
        """Carry out the next ``count`` calls of ``method`` (the message is delivered), then
        close the connection without answering. The call is recorded with status 0."""
        self._after_delivery.append(AfterDelivery(method, None, count, chat_id))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every later message to the chat gets 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def deactivate(self, chat_id: int) -> None:
        self._deactivated.add(chat_id)

    def unknown_chat(self, chat_id: int | str) -> None:
        """Every later call naming this chat gets 400 chat not found."""
        self._unknown_chats.add(chat_id)

    def delay(self, method: str, seconds: float) -> None:
        """Hold every ``method`` call this long before handling it (0 removes the delay).

        The call is still carried out after a client gave up, as on the real server, which is
        how a timed-out send can still be delivered.
        """
        if seconds > 0:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, creator: int | None = None
    ) -> None:
        self._admins[chat_id] = set(user_ids)
        if creator is not None:
            self._creators[chat_id] = creator

    def continue_chat(self, chat_id: int, last_message_id: int) -> None:
        """Number the chat's next messages after ``last_message_id``.

        Telegram's message ids keep rising across bot restarts, so a bot may remember ids from
        an earlier run (a menu to strip, a vote per answer); a fresh fake standing in for a chat
        with history must not hand those ids to new messages.
        """
        current = self._last_message_id.get(chat_id, 0)
        self._last_message_id[chat_id] = max(current, last_message_id)

    def _note_change(self) -> None:
        self.version += 1
        self._calls_changed = _pulse(self._calls_changed)

    def close(self) -> None:
        """Release long polls and delays so the server can shut down promptly."""
        self._closing = True
        self._updates_changed = _pulse(self._updates_changed)
        self._note_change()

    # ------------------------------------------------------------------ incoming updates

    def inject_update(self, update: JsonDict) -> int:
        """Queue an update for getUpdates; always assigns a fresh update_id and returns it."""
        update_id = next(self._update_ids)
        update = {**update, "update_id": update_id}
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_queries[str(query["id"])] = False
        self._updates.append(update)
        self._updates_changed = _pulse(self._updates_changed)
        return update_id

    send_update_raw = inject_update

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ann",
        title: str | None = None,
        username: str | None = None,
    ) -> int:
        """A user writes ``text``; commands get the bot_command entity PTB needs."""
        message = self._incoming_message(chat_id, user_id, chat_type, first_name, title, username)
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
        return self.inject_update({"message": message})

    def send_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ann",
        title: str | None = None,
    ) -> int:
        message = self._incoming_message(chat_id, user_id, chat_type, first_name, title, None)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self.inject_update({"message": message})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        first_name: str = "Ann",
    ) -> str:
        """A user taps an inline button; returns the callback query id the bot must answer."""
        user_id = self._default_user(chat_id, user_id)
        user = self._users.get(user_id) or user_json(user_id, first_name)
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is not None:
            message = self._message_json(stored)
        else:
            # Date 0 is how Telegram marks a message the bot can no longer access.
            message = {"message_id": message_id, "chat": self._chat_json(chat_id), "date": 0}
        query_id = f"{self.bot_user['id']}{next(self._query_ids):08d}"
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        self.inject_update({"callback_query": query})
        return query_id

    def pending_updates(self) -> list[JsonDict]:
        return list(self._updates)

    # ------------------------------------------------------------------ inspection

    def stats(self) -> Stats:
        """A snapshot of the counters (kept in light mode too)."""
        current = self._stats
        return Stats(
            calls=current.calls,
            sends_accepted=current.sends_accepted,
            rate_limited=current.rate_limited,
            duplicates=current.duplicates,
            by_method=current.by_method.copy(),
            by_status=current.by_status.copy(),
            per_chat=current.per_chat.copy(),
            duplicate_chats=current.duplicate_chats.copy(),
        )

    def calls_for(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages currently in the chat (deleted ones gone, edits applied)."""
        return list(self._messages.get(chat_id, {}).values())

    def last_message(self, chat_id: int) -> BotMessage | None:
        messages = self._messages.get(chat_id)
        if not messages:
            return None
        return messages[next(reversed(messages))]

    def photos(self, chat_id: int) -> list[bytes]:
        """Bytes of every photo the bot sent to the chat (uploaded or by file_id) still there."""
        return [
            msg.file.data
            for msg in self.messages(chat_id)
            if msg.kind == "photo" and msg.file is not None
        ]

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        return list(self._commands.get((_scope_key(scope), language_code), []))

    def chat_menu_button(self, chat_id: int | None = None) -> JsonDict | None:
        return self._menu_buttons.get(chat_id)

    async def wait_for_call(
        self,
        method: str,
        predicate: CallPredicate | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API, mirrors PTB's style
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` matching ``predicate`` were made, ever.

        Earlier calls count too, so a call made before the wait started is not missed.
        """

        def matching() -> list[Call]:
            return [
                call
                for call in self.calls
                if call.method == method and (predicate is None or predicate(call))
            ]

        found = await self._wait_until(lambda: len(matching()) >= count, timeout)
        if not found:
            seen = [f"{call.method}->{call.status}" for call in self.calls[-10:]]
            raise TimeoutError(
                f"expected {count} {method} call(s) within {timeout}s, got "
                f"{len(matching())}; last calls: {seen}"
            )
        return matching()[:count]

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> list[BotMessage]:
        """Wait until the chat holds at least ``count`` bot messages; returns them all."""
        found = await self._wait_until(lambda: len(self.messages(chat_id)) >= count, timeout)
        if not found:
            texts = [msg.text or msg.caption for msg in self.messages(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) in chat {chat_id} within {timeout}s, got {texts}"
            )
        return self.messages(chat_id)

    async def wait_for_long_poll(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> None:
        """Wait until a getUpdates call is parked waiting for updates (the bot is polling)."""
        if not await self._wait_until(lambda: self.waiting_polls > 0, timeout):
            raise TimeoutError(f"no getUpdates long poll started within {timeout}s")

    async def wait_for_change(self, max_wait: float, *, after: int | None = None) -> int:
        """Return the change counter once it passes ``after`` (default: now) or after ``max_wait``.

        Every recorded call, edit or deletion is a change; waiting on a version seen earlier
        means a change that slipped in between check and wait is not missed.
        """
        if after is not None and self.version > after:
            return self.version
        event = self._calls_changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max_wait)
        return self.version

    async def _wait_until(self, condition: Callable[[], bool], max_wait: float) -> bool:
        deadline = time.monotonic() + max_wait
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                return False
            await self.wait_for_change(remaining)
        return True

    # ------------------------------------------------------------------ request handling

    async def handle(
        self, token: str, method_name: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> tuple[int, JsonDict]:
        """Answer one Bot API request: (HTTP status, JSON body); every request is recorded.

        Raises ConnectionDropped, once the call has been carried out, when a fault says the
        connection drops instead of answering (see drop_after_delivery).
        """
        name = method_name
        try:
            if self.token is not None and token != self.token:
                raise ApiError(401, "Unauthorized")
            entry = self._methods.get(method_name.lower())
            if entry is None:
                raise ApiError(404, "Not Found")
            name, handler = entry
            delay = self._delays.get(name)
            if delay:
                await self._sleep(delay)
            self._check_faults(name, params)
            result = await handler(params, files)
            status, body = 200, ok_body(result)
            after = self._fault_after_delivery(name, params)
            if after is not None and after.status is None:
                self._record(name, params, files, NO_ANSWER, {"description": "dropped"})
                raise ConnectionDropped
            if after is not None and after.status is not None:
                raise ApiError(after.status, default_description(after.status))
        except ApiError as error:
            status, body = error.status, error.body()
        self._record(name, params, files, status, body)
        return status, body

    def _fault_after_delivery(self, method: str, params: JsonDict) -> AfterDelivery | None:
        chat_id = _chat_key(params.get("chat_id"))
        for fault in self._after_delivery:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._after_delivery.remove(fault)
                return fault
        return None

    def file_for_path(self, token: str, file_path: str) -> UploadedFile | None:
        if self.token is not None and token != self.token:
            return None
        return self._files.get(file_path)

    def _record(
        self,
        method: str,
        params: JsonDict,
        files: dict[str, UploadedFile],
        status: int,
        body: JsonDict,
    ) -> None:
        stats = self._stats
        stats.calls += 1
        stats.by_method[method] += 1
        stats.by_status[status] += 1
        if status == 429:
            stats.rate_limited += 1
        if self.record:
            self.calls.append(
                Call(method, params, time.time(), status, files, body.get("description"))
            )
            self._note_change()

    async def _sleep(self, seconds: float) -> None:
        if self._closing:
            return
        event = self._updates_changed
        deadline = time.monotonic() + seconds
        # Wake early only for shutdown; new updates just re-arm the wait.
        while not self._closing and (remaining := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return
            event = self._updates_changed

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

    # ------------------------------------------------------------------ Bot API methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }

    async def _true(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self.bot_user

    async def _get_updates(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", MAX_UPDATES_PER_POLL), 1), MAX_UPDATES_PER_POLL)
        timeout = max(_float_param(params, "timeout", 0.0), 0.0)
        allowed = params.get("allowed_updates")
        self._confirm_updates(offset)
        # A newer getUpdates supersedes a waiting one, which then gets 409 like on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed = _pulse(self._updates_changed)
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._next_updates(offset, limit, allowed)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            event = self._updates_changed
            self.waiting_polls += 1
            self._note_change()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self.waiting_polls -= 1

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:
            # Negative offsets keep only the last -offset updates, as Telegram documents.
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _next_updates(self, offset: int, limit: int, allowed: object) -> list[JsonDict]:
        batch: list[JsonDict] = []
        for update in self._updates:
            if update["update_id"] < offset:
                continue
            if isinstance(allowed, list) and allowed and not any(k in update for k in allowed):
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    async def _set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: Webhook URL must be a string")
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _valid_command(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands[key] = [dict(command) for command in commands]
        return True

    async def _get_my_commands(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self._commands.get(key, [])

    async def _delete_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise bad_request("can't parse menu button JSON object")
        chat_id = params.get("chat_id")
        self._menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
        return True

    async def _get_chat_menu_button(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        chat_id = params.get("chat_id")
        key = chat_id if isinstance(chat_id, int) else None
        return self._menu_buttons.get(key) or {"type": "default"}

    async def _send_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        raw = params.get("text")
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        parse_mode = _parse_mode(params)
        text = self._render(raw, parse_mode)
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = _reply_markup(params)
        self._admit_send(chat_id, hash(("text", raw)))
        message = self._new_message(
            chat_id,
            "text",
            text=text,
            raw_text=raw,
            parse_mode=parse_mode,
            reply_markup=markup,
        )
        return self._message_json(message)

    async def _send_photo(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self._send_file("photo", params, files)

    async def _send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self._send_file("document", params, files)

    def _send_file(self, kind: str, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        upload, file_id = _input_file(kind, params, files)
        parse_mode = _parse_mode(params)
        raw_caption = params.get("caption")
        caption = None
        if isinstance(raw_caption, str) and raw_caption:
            caption = self._render(raw_caption, parse_mode)
            if len(caption) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        else:
            raw_caption = None
        markup = _reply_markup(params)
        if upload is None:
            # A file sent before, by its file_id: Telegram knows only the ones it issued.
            upload = self._files.get(file_id) if file_id is not None else None
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        content_key = hash(upload.data)
        self._admit_send(chat_id, hash((kind, raw_caption, content_key)))
        message_id = self._last_message_id.get(chat_id, 0) + 1
        if file_id is None:
            file_id = f"{kind[:2].upper()}AgAD{chat_id}_{message_id}"
            # Kept even when not recording: a later send by file_id must find it.
            self._files[file_id] = upload
        message = self._new_message(
            chat_id,
            kind,
            caption=caption,
            raw_caption=raw_caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            file=upload,
            file_id=file_id,
        )
        return self._message_json(message)

    async def _send_chat_action(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        _chat_id(params)
        if not isinstance(params.get("action"), str):
            raise bad_request("wrong parameter action in request")
        return True

    async def _edit_message_text(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        raw = params.get("text")
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        parse_mode = _parse_mode(params)
        text = self._render(raw, parse_mode)
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (message.raw_text, message.parse_mode, message.reply_markup) == (
            raw,
            parse_mode,
            markup,
        ):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.raw_text, message.parse_mode = text, raw, parse_mode
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_caption(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        raw = params.get("caption")
        raw = raw if isinstance(raw, str) and raw else None
        parse_mode = _parse_mode(params)
        caption = self._render(raw, parse_mode) if raw is not None else None
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        if (message.raw_caption, message.reply_markup) == (raw, markup):
            raise bad_request(_NOT_MODIFIED)
        message.caption, message.raw_caption, message.parse_mode = caption, raw, parse_mode
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_reply_markup(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.reply_markup == markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    async def _delete_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        if self.record:
            if self._messages.get(chat_id, {}).pop(message_id, None) is None:
                raise bad_request("message to delete not found")
            self._note_change()
        elif not 0 < message_id <= self._last_message_id.get(chat_id, 0):
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        url = params.get("url")
        if self.record:
            self.callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=text if isinstance(text, str) else None,
                    show_alert=bool(params.get("show_alert")),
                    url=url if isinstance(url, str) else None,
                )
            )
        return True

    async def _get_chat(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat = self._chat_json(_chat_id(params))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        user_id = _int_param(params, "user_id", 0)
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        return self._member_json(chat_id, user_id)

    async def _get_chat_administrators(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        chat_id = _chat_id(params)
        if guess_chat_type(chat_id) == "private":
            raise bad_request("there are no administrators in the private chat")
        creator = self._creators.get(chat_id)
        user_ids = ([creator] if creator is not None else []) + sorted(
            self._admins.get(chat_id, set()) - {creator}
        )
        return [self._member_json(chat_id, user_id) for user_id in user_ids]

    async def _get_file(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        file_id = params.get("file_id")
        upload = self._files.get(file_id) if isinstance(file_id, str) else None
        if upload is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(upload.data),
            "file_path": file_id,
        }

    # ------------------------------------------------------------------ helpers

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

    def _message_to_edit(self, params: JsonDict) -> BotMessage:
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        if self.record:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None:
                raise bad_request("message to edit not found")
            return message
        if message_id > self._last_message_id.get(chat_id, 0):
            raise bad_request("message to edit not found")
        # Light mode keeps no transcript, so edits apply to a stand-in that is then dropped.
        return BotMessage(chat_id, message_id, int(time.time()), "text")

    def _edited(self, message: BotMessage) -> JsonDict:
        message.edit_date = int(time.time())
        self._note_change()
        return self._message_json(message)

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

    def _member_json(self, chat_id: int, user_id: int) -> JsonDict:
        user = self._users.get(user_id) or user_json(user_id, f"User{user_id}")
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, set()):
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": "member", "user": user}

    def _default_user(self, chat_id: int, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID

    def _incoming_message(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str,
        first_name: str,
        title: str | None,
        username: str | None,
    ) -> JsonDict:
        user_id = self._default_user(chat_id, user_id)
        user = user_json(user_id, first_name, username)
        self._users[user_id] = user
        chat = chat_json(chat_id, chat_type, first_name=first_name, title=title)
        if chat_type == "private" and username is not None:
            chat["username"] = username
        self._chats[chat_id] = chat
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return {"message_id": message_id, "from": user, "chat": chat, "date": int(time.time())}


def _chat_key(value: object) -> object:
    """chat_id as an int when it is one, whatever the body encoding made of it."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _chat_id(params: JsonDict) -> int:
    value = params.get("chat_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    # Public @usernames are not modelled; Telegram answers the same for unknown ones.
    raise bad_request("chat not found")


def _int_param(params: JsonDict, name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool):
        raise bad_request(f"wrong parameter {name} in request")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"wrong parameter {name} in request") from None


def _float_param(params: JsonDict, name: str, default: float) -> float:
    value = params.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f"wrong parameter {name} in request") from None


def _parse_mode(params: JsonDict) -> str | None:
    value = params.get("parse_mode")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.lower() not in ("html", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {value!r}")
    return value


def _reply_markup(params: JsonDict) -> JsonDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str)
                or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _input_file(
    kind: str, params: JsonDict, files: dict[str, UploadedFile]
) -> tuple[UploadedFile | None, str | None]:
    value = params.get(kind)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
        return upload, None
    if kind in files:
        return files[kind], None
    if isinstance(value, str) and value:
        return None, value
    raise bad_request(f"there is no {kind} in the request")


def _valid_command(name: str) -> bool:
    return (
        1 <= len(name) <= 32
        and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
        and name == name.lower()
    )


def _scope_key(scope: object) -> str:
    if not isinstance(scope, dict):
        return "default"
    return ":".join(f"{key}={scope[key]}" for key in sorted(scope))
