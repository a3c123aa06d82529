"""Rate limits and injected faults: the ways the fake server says no."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .wire import ApiError, default_description, too_many_requests


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds; O(1) amortised per event."""

    def __init__(self, limit: int, window: float = 1.0) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until an event would be admitted; 0.0 if admitted right now."""
        times = self._times
        cutoff = now - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.window - now

    def record(self, now: float) -> None:
        self._times.append(now)


def retry_after_seconds(wait: float) -> int:
    # Telegram only ever answers whole seconds, and never 0.
    return max(1, math.ceil(wait))


def _aimed_at(
    fault_method: str, fault_chat: int | str | None, method: str, chat_id: object
) -> bool:
    """Whether a queued fault applies to this call: its method ("*" for any) and its chat,
    if it names one."""
    return fault_method in ("*", method) and (fault_chat is None or fault_chat == chat_id)


@dataclass(slots=True)
class Fault:
    """A queued failure for the next ``remaining`` matching calls."""

    method: str
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None = None

    def matches(self, method: str, chat_id: object) -> bool:
        return _aimed_at(self.method, self.chat_id, method, chat_id)

    def error(self) -> ApiError:
        if self.status == 429:
            return too_many_requests(self.retry_after or 1)
        return ApiError(self.status, self.description, retry_after=self.retry_after)


@dataclass(slots=True)
class AfterDelivery:
    """A queued fault that strikes once the call has been carried out: the message is
    delivered, and then the bot is answered ``status`` (a 5xx) or, with ``status`` None,
    nothing at all, because the connection drops. The bot cannot know it was delivered."""

    method: str
    status: int | None
    remaining: int
    chat_id: int | str | None = None

    def matches(self, method: str, chat_id: object) -> bool:
        return _aimed_at(self.method, self.chat_id, method, chat_id)


def make_fault(
    method: str,
    *,
    status: int,
    retry_after: int | None,
    description: str | None,
    count: int,
    chat_id: int | str | None,
) -> Fault:
    if status == 429 and retry_after is None:
        retry_after = 1
    if description is None:
        description = _DEFAULT_FAULT_DESCRIPTIONS.get(status, default_description(status))
    return Fault(
        method=method,
        status=status,
        description=description,
        retry_after=retry_after,
        remaining=count,
        chat_id=chat_id,
    )


_DEFAULT_FAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after 1",
}
