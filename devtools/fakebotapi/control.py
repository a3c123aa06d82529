"""The test-side API: inject updates, set faults and limits, inspect what the bot did, wait."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable

from .builders import DEFAULT_GROUP_USER_ID, chat_json, command_entities, user_json
from .limits import AfterDelivery, SlidingWindow, make_fault
from .methods.params import _scope_key
from .records import BotMessage, Call, Stats
from .state import TelegramState, _pulse
from .wire import JsonDict

CallPredicate = Callable[[Call], bool]


class TelegramControl(TelegramState):
    """What a test (or the HTTP control routes) does to the fake, not what the bot does."""

    # ------------------------------------------------------------------ configuration

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

    def send_media(
        self,
        chat_id: int,
        media: JsonDict,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """A user sends something that is not text, e.g. ``{"voice": {...}}`` or a photo,
        with an optional caption."""
        message = self._incoming_message(chat_id, user_id, chat_type, "Ann", None, None)
        message.update(media)
        if caption is not None:
            message["caption"] = caption
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
