"""The HTTP layer to the Bot API: counts every response and keeps bad updates out.

An update PTB cannot parse (a field of an unexpected type, a new update kind with a
required field missing) fails the whole getUpdates batch, and because the offset never
moves past it, polling would fetch the same broken batch forever. PTB then asks again
from the same offset; that repeated request's batch is combed here, update by update, and
a broken update is replaced by a bare `{"update_id": N}`: acknowledged, counted, and no
handler acts on it. Batches PTB parses fine are not combed (that would parse every update
twice). Updates PTB parses but whose ids are not what Telegram promises are stopped
before any handler by `drop_ill_typed`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Chat, Update, User
from telegram.error import NetworkError, TimedOut
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.pipeline import Stage
from bot.server.metrics import Metrics, handling_since
from bot.services import AnyApplication

log = logging.getLogger(__name__)


def decode_update(raw: object, bot: Bot | None) -> Update | None:
    """The Update in `raw`, or None when it is not a well-formed update."""
    if not isinstance(raw, dict) or not _is_update_id(raw.get("update_id")):
        return None
    try:
        update = Update.de_json(raw, bot)
    except Exception:  # PTB raises whatever the malformed field provokes
        return None
    return update if _well_typed(update) else None


def _well_typed(update: Update) -> bool:
    """The ids handlers key on are what Telegram promises; PTB does not check types."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is not None and not _is_int(chat.id):
        return False
    if user is not None and not _is_int(user.id):
        return False
    if message is not None and not (
        _is_int(message.message_id)
        and isinstance(getattr(message, "chat", None), Chat)
        and isinstance(message.date, dt.datetime)
    ):
        return False
    # A date of 0 is how PTB marks a message the bot can no longer see, which only ever
    # arrives under a button press; a new message dated 1970 is not from Telegram.
    if message is not None and update.callback_query is None and message.date.timestamp() <= 0:
        return False
    query = update.callback_query
    return query is None or (isinstance(query.id, str) and isinstance(query.from_user, User))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bare_update(raw: object) -> dict[str, Any] | None:
    """What is left of a malformed update: its id, if it has a usable one."""
    if isinstance(raw, dict) and _is_update_id(raw.get("update_id")):
        return {"update_id": raw["update_id"]}
    return None


def _is_update_id(value: object) -> bool:
    return _is_int(value) and isinstance(value, int) and value >= 0


def sieve_updates(payload: bytes, metrics: Metrics) -> bytes:
    """A getUpdates response with every malformed update reduced to its bare id."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload  # PTB reports an unreadable response itself
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, list):
        return payload
    kept: list[object] = []
    for raw in result:
        if decode_update(raw, None) is not None:
            kept.append(raw)
            continue
        metrics.malformed_updates.inc()
        bare = bare_update(raw)
        log.warning(
            "dropped a malformed update update_id=%s",
            bare["update_id"] if bare else "unknown",
        )
        if bare is not None:
            kept.append(bare)
    if len(kept) == len(result) and all(a is b for a, b in zip(kept, result, strict=True)):
        return payload
    body["result"] = kept
    return json.dumps(body).encode()


# Parts of the bot's own sent messages that Telegram echoes back and nothing reads: building
# python-telegram-bot objects for a reply's buttons and formatting cost 0.14 of the 0.20 ms
# it took to parse the answer to a sendMessage with a keyboard.
_UNREAD_ECHO = ("reply_markup", "entities", "caption_entities", "link_preview_options")


class InstrumentedRequest(BaseRequest):
    """A request backend that reports every Bot API response to `metrics`.

    It wraps the engine's transport (aiohttp), which costs a fraction of HTTPX's CPU per
    request: replies are most of what a busy bot does.
    """

    def __init__(
        self,
        metrics: Metrics,
        inner: BaseRequest,
        *,
        sieve: bool = False,
        room: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._metrics = metrics
        self._inner = inner
        self._sieve = sieve
        # Polling's back-pressure: awaited before each getUpdates, so a full backlog stops
        # fetching (Telegram keeps the updates) instead of piling them up in memory.
        self._room = room
        # The offset of the last getUpdates request (a fresh object matches nothing).
        self._last_offset: object = object()

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The answer, minus what the bot never reads of a message it sent itself.

        Only a single message (a send's or an edit's answer) is trimmed: updates come as a
        list, and their messages (a button's message included) are kept whole.
        """
        body = BaseRequest.parse_json_payload(payload)
        result = body.get("result")
        if isinstance(result, dict) and "message_id" in result:
            for key in _UNREAD_ECHO:
                result.pop(key, None)
        return body

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        replying = handling_since.get() is not None
        if self._room is not None and api_method == "getUpdates":
            await self._room()
        try:
            status, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self._metrics.observe_response(api_method, "timeout", replying=replying)
            raise
        except NetworkError:
            self._metrics.observe_response(api_method, "network", replying=replying)
            raise
        self._metrics.observe_response(api_method, status, replying=replying)
        if self._sieve and api_method == "getUpdates":
            offset = request_data.parameters.get("offset") if request_data else None
            # The same offset again: the last batch was not taken (or it was empty, and
            # combing the next one costs one extra parse of it).
            if status == 200 and offset == self._last_offset:
                payload = sieve_updates(payload, self._metrics)
            self._last_offset = offset
        return status, payload


def install_guard(application: AnyApplication, metrics: Metrics) -> None:
    """An update whose ids are not of the types Telegram promises goes no further."""

    async def drop_ill_typed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if not _well_typed(update):
            metrics.malformed_updates.inc()
            log.warning("dropped a malformed update update_id=%s", update.update_id)
            raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, drop_ill_typed), group=Stage.GUARD)
