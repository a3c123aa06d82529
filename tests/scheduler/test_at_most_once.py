"""At most once (review finding M1): a send is tried again only when the request provably
never reached Telegram. A connection that drops after the request went out, a read
timeout or a 5xx may hide a delivered message, so they end `unknown` and are never resent.

The fake Bot API's after-delivery faults deliver the message first, as Telegram can."""

from __future__ import annotations

import datetime as dt

import pytest

from content import Library
from devtools.fakebotapi import FakeBotAPI
from scheduler.sender import Outcome, send_scheduled
from storage import Database
from tests.scheduler.helpers import (
    add_chat,
    closed_port,
    ledger_rows,
    running_engine,
    sending_bot,
    utc,
)

T0 = utc("2026-11-21T23:00:00Z")
NINE = utc("2026-11-22T09:00:00Z")


async def test_a_connection_dropped_after_delivery_is_unknown_and_not_retried(
    fake_api: FakeBotAPI,
) -> None:
    fake_api.drop_after_delivery("sendMessage")
    async with sending_bot(fake_api.url) as bot:
        result = await send_scheduled(bot, 5, "hello", retries=3, backoff=0.01)
    assert (result.outcome, result.attempts) == (Outcome.UNKNOWN, 1)
    assert [c.status for c in fake_api.calls_for("sendMessage")] == [0]  # no answer sent
    assert [m.raw_text for m in fake_api.messages(5)] == ["hello"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_is_unknown_and_not_retried(fake_api: FakeBotAPI, status: int) -> None:
    fake_api.fail_after_delivery("sendMessage", status=status)
    async with sending_bot(fake_api.url) as bot:
        result = await send_scheduled(bot, 5, "hello", retries=3, backoff=0.01)
    assert (result.outcome, result.attempts) == (Outcome.UNKNOWN, 1)
    assert [c.status for c in fake_api.calls_for("sendMessage")] == [status]
    assert len(fake_api.messages(5)) == 1


async def test_a_refused_connection_is_retried_because_nothing_was_sent() -> None:
    async with sending_bot(f"http://127.0.0.1:{closed_port()}") as bot:
        result = await send_scheduled(bot, 5, "hello", retries=2, backoff=0.01)
    assert (result.outcome, result.attempts) == (Outcome.NOT_SENT, 3)


async def test_a_read_timeout_is_unknown_and_not_retried(fake_api: FakeBotAPI) -> None:
    fake_api.delay("sendMessage", 1.0)
    async with sending_bot(fake_api.url, read_timeout=0.2) as bot:
        result = await send_scheduled(bot, 5, "hello", retries=3, backoff=0.01)
    assert (result.outcome, result.attempts) == (Outcome.UNKNOWN, 1)
    await fake_api.wait_for_messages(5, 1, timeout=10)  # the server still delivers it
    assert len(fake_api.calls_for("sendMessage")) == 1


async def test_unanswered_deliveries_are_recorded_unknown_and_never_resent(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    for chat_id in (1, 2, 3):
        await add_chat(db, chat_id, now=T0)
    fake_api.drop_after_delivery("sendMessage", chat_id=1)
    fake_api.fail_after_delivery("sendMessage", status=502, chat_id=2)
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, send_retries=3
    ) as engine:
        first = await engine.tick(NINE)
        later = [await engine.tick(NINE + dt.timedelta(minutes=n)) for n in (1, 2, 30)]
    assert (first.due, first.sent, first.failed) == (3, 1, 2)
    assert [s.due for s in later] == [0, 0, 0]
    # Each chat got its tip exactly once, and Telegram was asked exactly once per chat.
    assert [len(fake_api.messages(c)) for c in (1, 2, 3)] == [1, 1, 1]
    assert fake_api.stats().duplicates == 0
    assert sorted(int(c.chat_id) for c in fake_api.calls_for("sendMessage")) == [1, 2, 3]
    statuses = {c: {r.status for r in await ledger_rows(db, c)} for c in (1, 2, 3)}
    assert statuses == {1: {"unknown"}, 2: {"unknown"}, 3: {"sent"}}
    errors = {r.error for c in (1, 2) for r in await ledger_rows(db, c)}
    assert all(e and "may have been delivered" in e for e in errors)
