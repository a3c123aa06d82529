"""The shared limiter: pacing, per-chat spacing, reply priority, pausing on 429."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from runtime.ratelimit import Priority, SendLimiter, counts_as_message


def test_only_message_sends_are_limited() -> None:
    assert counts_as_message("sendMessage") and counts_as_message("sendmessage")
    assert counts_as_message("sendPhoto") and counts_as_message("copyMessage")
    for endpoint in ("sendChatAction", "answerCallbackQuery", "editMessageText", "getMe"):
        assert not counts_as_message(endpoint)


async def test_replies_overtake_a_waiting_broadcast() -> None:
    limiter = SendLimiter(20)  # one release every ~52 ms
    order: list[str] = []

    async def send(name: str, chat: int, priority: Priority) -> None:
        await limiter.admit(chat, priority)
        order.append(name)

    try:
        broadcast = [
            asyncio.create_task(send(f"b{n}", 100 + n, Priority.BROADCAST)) for n in range(6)
        ]
        await asyncio.sleep(0)  # the broadcast is queued first
        reply = asyncio.create_task(send("reply", 1, Priority.INTERACTIVE))
        await asyncio.gather(reply, *broadcast)
    finally:
        await limiter.shutdown()
    # At most the message already on its way goes before the reply.
    assert order.index("reply") <= 1
    assert sorted(order) == sorted(["reply", *(f"b{n}" for n in range(6))])


async def test_one_message_per_second_per_chat() -> None:
    limiter = SendLimiter(1000, chat_interval=0.3)
    admitted: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        await limiter.admit(chat, Priority.BROADCAST)
        admitted.append((chat, time.monotonic()))

    try:
        await asyncio.gather(*(send(chat) for chat in (1, 1, 1, 2, 3)))
    finally:
        await limiter.shutdown()
    same_chat = [t for chat, t in admitted if chat == 1]
    gaps = [b - a for a, b in itertools.pairwise(same_chat)]
    assert len(same_chat) == 3 and all(gap >= 0.29 for gap in gaps)
    # Other chats did not wait behind chat 1.
    assert [chat for chat, _ in admitted][:3].count(1) == 1


async def test_retry_after_pauses_then_retries() -> None:
    limiter = SendLimiter(1000, max_retries=2)
    calls: list[float] = []

    async def flaky() -> dict[str, Any]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(1)
        return {"ok": True}

    try:
        result = await limiter.process_request(
            flaky, (), {}, "sendMessage", {"chat_id": 5}, Priority.BROADCAST
        )
    finally:
        await limiter.shutdown()
    assert result == {"ok": True} and limiter.rate_limited == 1
    assert calls[1] - calls[0] >= 0.99


async def test_gives_up_after_max_retries() -> None:
    limiter = SendLimiter(1000, max_retries=0)

    async def always_429() -> dict[str, Any]:
        raise RetryAfter(1)

    try:
        with pytest.raises(RetryAfter):
            await limiter.process_request(always_429, (), {}, "sendMessage", {"chat_id": 5}, None)
    finally:
        await limiter.shutdown()


async def test_chat_memory_stays_small() -> None:
    limiter = SendLimiter(10_000, chat_interval=0.05)
    try:
        await asyncio.gather(*(limiter.admit(chat, Priority.BROADCAST) for chat in range(300)))
        await asyncio.sleep(0.06)
        await limiter.admit(99_999, Priority.BROADCAST)
    finally:
        await limiter.shutdown()
    assert len(limiter._chat_free_at) == 1 and not limiter._chat_locks
