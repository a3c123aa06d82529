"""One rate limiter for everything the bot sends: replies first, broadcasts paced behind them.

Telegram allows about 30 messages per second overall and one per second in a chat. The
limiter releases messages one at a time on an even beat (no bursts, so a server that
counts a sliding one-second window never sees more than it allows), always picking a
waiting interactive reply before a waiting broadcast message. A 429 pauses every send for
`retry_after` before the request is tried again, because Telegram's flood wait applies to
the bot, not to one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class Priority(Enum):
    INTERACTIVE = 0
    BROADCAST = 1


# Methods that put a message in a chat; only these count against Telegram's message limits.
_NOT_MESSAGES = frozenset({"sendChatAction"})
_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage")


def counts_as_message(endpoint: str) -> bool:
    return endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns that the int form is going away; both forms are handled, so the warning
    # says nothing here. No await inside, so the filter change cannot leak to other tasks.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class _Release:
    """One message let through; `answered_at` is set when its request has come back."""

    __slots__ = ("answered_at",)

    def __init__(self) -> None:
        self.answered_at: float | None = None


class SendLimiter(BaseRateLimiter[Priority]):
    """At most `rate` messages per second overall and one per `chat_interval` in each chat.

    Two rules together. A token bucket paces releases evenly. And a message may go out only
    once the message `rate` releases earlier was answered more than 1 s + `headroom` ago:
    the server saw that one before it answered and sees this one after we send it, so no
    one-second window at the server can ever hold more than `rate` of them, whatever the
    network jitter.
    """

    def __init__(
        self,
        rate: float,
        *,
        chat_interval: float = 1.0,
        headroom: float = 0.005,
        max_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        self.max_retries = max_retries
        self._clock = clock
        self._window = 1.0 + headroom
        self._recent: deque[_Release] = deque(maxlen=max(1, int(rate)))
        # A token bucket a few milliseconds deep: at high rates the event loop cannot wake
        # for every single slot; the window rule above keeps any burst within the limit.
        self._capacity = max(1.0, rate * 0.01)
        self._tokens = 1.0
        self._refilled_at = clock()
        self._paused_until = 0.0
        self._waiting: dict[Priority, deque[asyncio.Future[_Release]]] = {
            Priority.INTERACTIVE: deque(),
            Priority.BROADCAST: deque(),
        }
        self._wakeup = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        # When each chat may next get a message; only chats served in the last interval
        # are kept, oldest first, so this stays as small as the send rate allows.
        self._chat_free_at: OrderedDict[int | str, float] = OrderedDict()
        self._chat_locks: dict[int | str, tuple[asyncio.Lock, int]] = {}
        self.rate_limited = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for queue in self._waiting.values():
            while queue:
                queue.popleft().cancel()

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> JSONResult:
        if not counts_as_message(endpoint):
            return await callback(*args, **kwargs)
        priority = rate_limit_args or Priority.INTERACTIVE
        chat = data.get("chat_id")
        chat_key = chat if isinstance(chat, int | str) else None
        for attempt in range(self.max_retries + 1):
            release = await self.admit(chat_key, priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.rate_limited += 1
                if attempt == self.max_retries:
                    raise
                self.pause(retry_after_seconds(error))
                log.warning("429: pausing sends for %.0f s", retry_after_seconds(error))
            finally:
                self._answered(release)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def admit(self, chat: int | str | None, priority: Priority) -> _Release:
        """Wait until a message to `chat` may go out now; report back with `_answered`."""
        if chat is None:
            return await self._global_slot(priority)
        lock = self._chat_lock(chat)
        try:
            async with lock:
                free_at = self._chat_free_at.get(chat, 0.0)
                delay = free_at - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                release = await self._global_slot(priority)
                self._remember_chat(chat)
                return release
        finally:
            self._release_chat_lock(chat)

    def _answered(self, release: _Release) -> None:
        release.answered_at = self._clock()
        self._wakeup.set()

    def _chat_lock(self, chat: int | str) -> asyncio.Lock:
        lock, users = self._chat_locks.get(chat, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._chat_locks[chat] = (lock, users + 1)
        return lock

    def _release_chat_lock(self, chat: int | str) -> None:
        lock, users = self._chat_locks[chat]
        if users <= 1:
            del self._chat_locks[chat]
        else:
            self._chat_locks[chat] = (lock, users - 1)

    def _remember_chat(self, chat: int | str) -> None:
        now = self._clock()
        free_at = self._chat_free_at
        free_at.pop(chat, None)
        free_at[chat] = now + self.chat_interval
        while free_at:
            oldest, until = next(iter(free_at.items()))
            if until > now:
                break
            del free_at[oldest]

    async def _global_slot(self, priority: Priority) -> _Release:
        future: asyncio.Future[_Release] = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(future)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="send-limiter")
        self._wakeup.set()
        try:
            return await future
        except asyncio.CancelledError:
            # Released but the caller is gone: count it as answered, or it would hold
            # the window shut for good.
            if future.done() and not future.cancelled():
                self._answered(future.result())
            raise

    def _next_waiter(self) -> asyncio.Future[_Release] | None:
        for priority in Priority:  # INTERACTIVE first
            queue = self._waiting[priority]
            while queue:
                future = queue.popleft()
                if not future.done():  # skip callers that gave up (cancelled)
                    return future
        return None

    def _window_wait(self, now: float) -> float | None:
        """0 if the window allows a release now, seconds to wait, or None: wait for an answer."""
        recent = self._recent
        if len(recent) < (recent.maxlen or 1):
            return 0.0
        answered = recent[0].answered_at
        if answered is None:
            return None
        return max(0.0, answered + self._window - now)

    async def _dispatch(self) -> None:
        # While busy, the bucket may hold one token more than its capacity: that keeps the
        # fraction of a slot lost to each late wake-up, so the long-run rate stays exact.
        # After idling it is capped at its capacity, so a quiet spell never buys a burst.
        limit = self._capacity
        while True:
            if not self.waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
                limit = self._capacity
                continue
            now = self._clock()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                # Nothing saved up during a flood wait: restart from an empty bucket.
                self._tokens, self._refilled_at = 0.0, self._clock()
                continue
            elapsed = now - self._refilled_at
            self._tokens = min(limit, self._tokens + elapsed / self.interval)
            self._refilled_at = now
            limit = self._capacity + 1.0
            if self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) * self.interval)
                continue
            while self._tokens >= 1.0:
                wait = self._window_wait(now)
                if wait is None:
                    self._wakeup.clear()
                    await self._wakeup.wait()  # set by the next answer (or a new waiter)
                    break
                if wait > 0:
                    await asyncio.sleep(wait)
                    break
                future = self._next_waiter()
                if future is None:
                    break
                release = _Release()
                future.set_result(release)
                self._recent.append(release)
                self._tokens -= 1.0


class BorrowedLimiter(BaseRateLimiter[Priority]):
    """Sends through another bot's limiter without owning it: shutting down is a no-op."""

    def __init__(self, shared: BaseRateLimiter[Priority]) -> None:
        self.shared = shared

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> JSONResult:
        return await self.shared.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
