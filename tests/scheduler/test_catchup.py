"""No lost day (review findings M3, L8, L9), on both databases against the fake Bot API.

- After an outage of any length, the latest slot still inside CATCHUP_WINDOW is sent and
  only older ones are missed.
- A DST gap that runs to midnight still delivers that day.
- A send that provably never reached Telegram (429 after the limiter's retries, a refused
  connection, a rejected token) is tried again by a later tick while still inside the
  window; past it, it ends `failed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from content import Library
from devtools.fakebotapi import FakeBotAPI
from scheduler.engine import DeliveryEngine
from storage import Database
from storage.models import Delivery
from tests.scheduler.helpers import (
    add_chat,
    broadcast_to,
    chat_row,
    closed_port,
    engine_settings,
    ledger_rows,
    running_engine,
    sending_bot,
    utc,
)

T0 = utc("2026-11-20T12:00:00Z")


def days(rows: Sequence[Delivery]) -> list[tuple[str, str]]:
    return sorted({(str(r.local_date), r.status) for r in rows})


async def test_after_a_26_hour_outage_the_slot_inside_the_window_is_sent(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """The review's case: 09:00 UTC daily, down from 22 Nov 08:00 to 23 Nov 10:00."""
    await add_chat(db, 1, now=T0)
    async with running_engine(db, library, fake_api.url, database_url, chat_interval=0) as engine:
        assert (await engine.tick(utc("2026-11-21T09:00:00Z"))).sent == 1
        back = await engine.tick(utc("2026-11-23T10:00:00Z"))  # 23 Nov slot is 1 h late
    assert (back.due, back.sent, back.skipped) == (1, 1, 0)
    assert len(fake_api.messages(1)) == 2
    assert days(await ledger_rows(db, 1)) == [("2026-11-21", "sent"), ("2026-11-23", "sent")]
    assert (await chat_row(db, 1)).next_due_at == utc("2026-11-24T09:00:00Z")


async def test_with_a_window_over_a_day_only_the_latest_slot_is_sent(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, catchup_window="30h"
    ) as engine:
        # 21 Nov 09:00 is 25 h late, still inside the window, but 22 Nov 09:00 is later.
        back = await engine.tick(utc("2026-11-22T10:00:00Z"))
    assert (back.due, back.sent) == (1, 1)
    assert days(await ledger_rows(db, 1)) == [("2026-11-22", "sent")]


async def test_an_outage_ending_between_slots_sends_nothing_and_reschedules(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        back = await engine.tick(utc("2026-11-27T13:00:00Z"))  # a week later, 4 h late
    assert (back.due, back.sent, back.skipped) == (1, 0, 1)
    assert await ledger_rows(db, 1) == []
    assert (await chat_row(db, 1)).next_due_at == utc("2026-11-28T09:00:00Z")


async def test_a_dst_gap_that_runs_to_midnight_still_delivers_that_day(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """Nuuk skips 23:00-24:00 on 28 Mar 2026: the 23:30 tip of that day comes at 00:00,
    the first valid minute after it, and the 29th still gets its own at 23:30."""
    due = await add_chat(
        db,
        1,
        now=utc("2026-03-27T12:00:00Z"),
        timezone="America/Nuuk",
        at=dt.time(23, 30),
    )
    assert due == utc("2026-03-28T01:30:00Z")  # 27 Mar 23:30 -02:00
    async with running_engine(db, library, fake_api.url, database_url, chat_interval=0) as engine:
        sent = [await engine.tick(utc(t)) for t in ("2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z")]
        assert (await chat_row(db, 1)).next_due_at == utc("2026-03-30T00:30:00Z")
        sent.append(await engine.tick(utc("2026-03-30T00:30:00Z")))
    assert [s.sent for s in sent] == [1, 1, 1]
    assert days(await ledger_rows(db, 1)) == [
        ("2026-03-27", "sent"),
        ("2026-03-28", "sent"),
        ("2026-03-29", "sent"),
    ]


async def test_a_429_that_outlasts_the_limiter_is_sent_by_a_later_tick(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    await add_chat(db, 2, now=T0, at=dt.time(20, 0))
    news = await broadcast_to(db, "Retry me", utc("2026-11-21T09:00:00Z"))
    fake_api.fail_next("sendMessage", status=429, retry_after=1, count=2)
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, limiter_retries=0
    ) as engine:
        first = await engine.tick(utc("2026-11-21T09:00:00Z"))
        assert {r.status for r in await ledger_rows(db)} == {"retry", "sent"}
        again = await engine.tick(utc("2026-11-21T09:01:00Z"))
        later = await engine.tick(utc("2026-11-21T09:02:00Z"))
    assert (first.sent, first.failed) == (1, 2)  # chat 1's tip and one broadcast row
    assert (again.retried, again.sent, later.due) == (2, 2, 0)
    assert [len(fake_api.messages(c)) for c in (1, 2)] == [2, 1]
    assert {r.status for r in await ledger_rows(db)} == {"sent"}
    assert all(news in (m.raw_text or "") for m in fake_api.messages(2))


async def test_a_refused_connection_is_retried_while_inside_the_window(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    await add_chat(db, 2, now=T0, at=dt.time(6, 30))
    refused = f"http://127.0.0.1:{closed_port()}"
    settings = engine_settings(refused, database_url, send_retries=1)
    async with sending_bot(refused) as bot:
        engine = DeliveryEngine(db, library, bot, settings, backoff=0.01)
        assert (await engine.tick(utc("2026-11-21T06:30:00Z"))).failed == 1
        # At 09:00 chat 1 fails too, and chat 2's row, 2.5 h old, is tried once more.
        assert (await engine.tick(utc("2026-11-21T09:00:00Z"))).failed == 2
    assert {r.status for r in await ledger_rows(db)} == {"retry"}
    # Telegram is reachable again at 10:00: chat 1 (1 h late) is sent; chat 2's 06:30 slot
    # is 3.5 h late, past the 3 h window, and ends failed with the reason it failed.
    async with running_engine(db, library, fake_api.url, database_url, chat_interval=0) as engine:
        back = await engine.tick(utc("2026-11-21T10:00:00Z"))
    assert (back.retried, back.sent) == (1, 1)
    assert [len(fake_api.messages(c)) for c in (1, 2)] == [1, 0]
    assert {r.status for r in await ledger_rows(db, 1)} == {"sent"}
    rows = await ledger_rows(db, 2)
    assert {r.status for r in rows} == {"failed"}
    assert all("ECONNREFUSED" in (r.error or "") and r.attempts == 4 for r in rows)


async def test_a_rejected_token_is_not_a_delivery_and_is_retried(
    db: Database, library: Library, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    async with FakeBotAPI(token="42:someone-elses-token-entirely") as api:
        settings = engine_settings(api.url, database_url)
        async with sending_bot(api.url) as bot:
            engine = DeliveryEngine(db, library, bot, settings, backoff=0.01)
            refused = await engine.tick(utc("2026-11-21T09:00:00Z"))
    assert (refused.sent, refused.failed) == (0, 1)
    assert {r.status for r in await ledger_rows(db, 1)} == {"retry"}
