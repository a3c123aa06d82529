"""Per-chat ordering under load: one chat's flood never holds up another chat, a chat's
backlog is bounded, and a chat's updates are handled in order with none lost, by one
process or by two webhook workers sharing a PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

import bot.app
from bot.pipeline import Stage
from bot.server.flood import BACKLOG_FULL
from bot.server.metrics import Metrics
from bot.server.ordering import Backlog, UpdateQueue
from bot.server.transport import InstrumentedRequest
from bot.services import services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from devtools.pgserver import PgServer
from storage.models import Chat, IntakeEntry
from tests.conftest import fresh_database_url
from tests.harness import BotHarness, start_harness, stop_harness
from tests.webhook_helpers import WebhookBot, webhook_bot

A, B = 101, 202
TAPS = 500


@contextlib.contextmanager
def holding(
    harness: BotHarness, chat_ids: Collection[int] | None = None
) -> Iterator[asyncio.Event]:
    """Make the handlers of `chat_ids` (every chat when None) wait until the yielded event
    is set (at the latest when the block ends): a slow chat, without sleeping. The wait
    sits after flood control, where a feature's own work (database, replies) would be."""
    release = asyncio.Event()

    async def wait(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat_ids is None or (chat is not None and chat.id in chat_ids):
            await release.wait()

    harness.application.add_handler(TypeHandler(Update, wait), group=Stage.FLOOD + 1)
    try:
        yield release
    finally:
        release.set()  # a failing test must not leave the Application unable to stop


@contextlib.asynccontextmanager
async def running(starting: Awaitable[BotHarness]) -> AsyncIterator[BotHarness]:
    harness = await starting
    try:
        yield harness
    finally:
        await stop_harness(harness)


# ---------------------------------------------------------------- the backlog itself


class _RecordingRequest(BaseRequest):
    """A Bot API transport that answers everything at once and notes the methods."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        self.methods.append(url.rsplit("/", 1)[-1])
        return 200, b'{"ok": true, "result": []}'


async def _let_tasks_run() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_the_webhook_is_refused_and_polling_waits_while_the_backlog_is_full() -> None:
    backlog = Backlog(2)
    queue = UpdateQueue(backlog)
    updates = [Update(update_id=n) for n in range(4)]
    assert queue.offer(updates[0]) and queue.offer(updates[1])
    assert backlog.full and not queue.offer(updates[2])
    # Polling's Updater puts a fetched batch whole; it is the next fetch that waits.
    await queue.put(updates[3])
    assert backlog.count == 3 and queue.qsize() == 3
    inner = _RecordingRequest()
    request = InstrumentedRequest(Metrics(), inner, room=backlog.room)
    fetch = asyncio.create_task(request.do_request("http://api/bot1:x/getUpdates", "POST"))
    reply = await request.do_request("http://api/bot1:x/sendMessage", "POST")
    await _let_tasks_run()
    assert reply[0] == 200 and inner.methods == ["sendMessage"] and not fetch.done()
    backlog.done()
    await _let_tasks_run()
    assert not fetch.done()  # 2 of 2: still full
    backlog.done()
    await fetch
    assert inner.methods == ["sendMessage", "getUpdates"]


# ---------------------------------------------------------------- H1: head-of-line blocking


async def test_a_tap_flood_in_one_chat_does_not_hold_up_another_chat(
    fake_api: FakeBotAPI, database_url: str, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fewer handler slots than taps, as in production (512 slots, the review's 530 taps):
    # taps that wait for their chat must not sit on the slots other chats need.
    monkeypatch.setattr(bot.app, "MAX_CONCURRENT_UPDATES", 100)
    async with running(start_harness(fake_api, database_url, library)) as harness:
        api = harness.api
        await harness.send("/start", A)
        receipt = (await harness.send("/log almonds", A))[0]
        await harness.send("/start", B)
        today = receipt.button("Today")
        message_id = harness.last_message_id(A)
        with holding(harness, {A}) as release:
            taps = []
            for _ in range(TAPS):
                api.press_button(A, message_id, today)
                taps.append(api.pending_updates()[-1]["update_id"])
            answered = await harness.send("/help", B)

            # B is answered while A's first tap is still being handled: the flood is in
            # progress.
            assert len(answered) == 1 and "What I can do" in answered[0].text
            assert not harness.tracker.finished(taps[0])
            metrics = services_in(harness.application).metrics
            limit = harness.settings.max_pending_per_chat
            # Beyond the chat's bound, taps are dropped at once and counted, not queued.
            dropped = metrics.value("magbot_updates_dropped_total", reason="chat_backlog")
            assert dropped == TAPS - limit
            assert metrics.value("magbot_updates_pending") >= 1
            release.set()
        for update_id in taps:
            await harness.processed(update_id)
        slow_down = [a for a in api.callback_answers if a.text == BACKLOG_FULL]
        assert len(slow_down) == 1
        # The taps within the bound were all handled, in order: one chart each.
        assert len([m for m in api.messages(A) if m.kind == "photo"]) == limit
        assert metrics.value("magbot_updates_pending") == 0


async def test_a_message_flood_beyond_the_chat_bound_gets_one_polite_reply(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> None:
    async with running(
        start_harness(fake_api, database_url, library, max_pending_per_chat=3)
    ) as harness:
        await harness.send("/start", A)
        mark = len(harness.api.messages(A))
        with holding(harness, {A}):
            ids = [harness.api.send_text(A, f"/log almonds {n}") for n in (1, 2, 3, 4, 5, 6)]
            other = await harness.send("/help", B)
            assert "What I can do" in other[0].text
        for update_id in ids:
            await harness.processed(update_id)
        texts = [m.text or "" for m in harness.api.messages(A)[mark:]]
        assert texts.count(BACKLOG_FULL) == 1
        receipts = [t for t in texts if t != BACKLOG_FULL]
        assert len(receipts) == 3
        for servings, text in zip((1, 2, 3), receipts, strict=True):
            assert f"Logged {servings} × " in text
        assert await _servings_logged(harness, A) == [1.0, 2.0, 3.0]
        metrics = services_in(harness.application).metrics
        assert metrics.value("magbot_updates_dropped_total", reason="chat_backlog") == 3


# ---------------------------------------------------------------- many updates, one chat


async def _servings_logged(harness: BotHarness, chat_id: int) -> list[float]:
    async with harness.db.session() as session:
        rows = await session.scalars(
            select(IntakeEntry.servings)
            .where(IntakeEntry.chat_id == chat_id)
            .order_by(IntakeEntry.id)
        )
        return list(rows)


SERVINGS = [n / 4 for n in range(1, 41)]  # 0.25 ... 10, every value /log accepts in quarters


async def test_many_updates_for_one_chat_are_handled_in_order_and_none_is_lost(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> None:
    # The chat's bound and flood control are separate rules (above, and test_flood.py);
    # here the whole burst fits in both.
    room: dict[str, Any] = {
        "max_pending_per_chat": len(SERVINGS),
        "flood_limit": 2 * len(SERVINGS),
    }
    async with running(start_harness(fake_api, database_url, library, **room)) as harness:
        await harness.send("/start", A)
        mark = len(harness.api.messages(A))
        # All of them reach the Application at once (one getUpdates batch).
        ids = [harness.api.send_text(A, f"/log almonds {s:g}") for s in SERVINGS]
        for update_id in ids:
            await harness.processed(update_id)
        assert await _servings_logged(harness, A) == SERVINGS
        receipts = [m.text or "" for m in harness.api.messages(A)[mark:]]
        assert len(receipts) == len(SERVINGS)
        for servings, text in zip(SERVINGS, receipts, strict=True):
            assert f"Logged {servings:g} × " in text
        assert harness.api.stats().duplicates == 0


# ---------------------------------------------------------------- two webhook workers


def _update(api: FakeBotAPI, chat_id: int, text: str) -> dict[str, Any]:
    update_id = api.send_text(chat_id, text)
    return next(u for u in api.pending_updates() if u["update_id"] == update_id)


async def _balance(workers: list[WebhookBot], update: dict[str, Any], start: int) -> int:
    """A load balancer in front of the workers: on 503 the next worker is tried, as
    Telegram retries a refused update. Returns the index of the worker that accepted it."""
    async with asyncio.timeout(120):
        for attempt in itertools.count():
            worker = (start + attempt) % len(workers)
            try:
                response = await workers[worker].post(update)
            except httpx.TransportError:
                # A refusal sent before the body was read can reset the connection while the
                # body is still going out; Telegram retries that like a 503 (and a duplicate
                # would fail the checks below).
                continue
            if response.status_code == 200:
                return worker
            assert response.status_code == 503, response.text
            if attempt % len(workers) == len(workers) - 1:
                await asyncio.sleep(0.02)  # every worker is busy: let them catch up
    raise AssertionError("unreachable")


def _metric(workers: Iterable[WebhookBot], name: str) -> float:
    return sum(services_in(w.harness.application).metrics.value(name) for w in workers)


async def test_two_webhook_workers_on_one_database_neither_lose_nor_duplicate(
    fake_api: FakeBotAPI,
    library: Library,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pg_server: PgServer,  # started before this test's event loop runs
) -> None:
    url = fresh_database_url(request, "postgresql", tmp_path)
    chats = list(range(3000, 3012))
    per_chat = SERVINGS[:6]
    async with (
        webhook_bot(fake_api, url, library, max_pending_updates=6) as first,
        webhook_bot(fake_api, url, library, max_pending_updates=6) as second,
    ):
        workers = [first, second]
        # Every chat sends /start twice at once, first tried on each worker: one row, two
        # answers.
        starts = [_update(fake_api, c, "/start") for c in chats for _ in range(2)]
        started_on = await asyncio.gather(*(_balance(workers, u, i) for i, u in enumerate(starts)))
        for update, index in zip(starts, started_on, strict=True):
            await workers[index].harness.processed(update["update_id"])

        # Then a burst of /log across both, with every handler held so the backlog fills
        # and the balancer has to retry refused updates on the other worker.
        logs = [_update(fake_api, c, f"/log almonds {s:g}") for c in chats for s in per_chat]
        with holding(first.harness), holding(second.harness):
            balancing = asyncio.gather(*(_balance(workers, u, i) for i, u in enumerate(logs)))
            # 72 updates, room for 12 while held: both workers refuse some, and the
            # balancer retries them on the other one.
            async with asyncio.timeout(60):
                # Only the metrics show it; no event to wait on.
                while _metric(workers, "magbot_updates_pending") < 12 or not _metric(  # noqa: ASYNC110
                    workers, "magbot_webhook_busy_total"
                ):
                    await asyncio.sleep(0.01)
        accepted_by = await balancing
        for update, index in zip(logs, accepted_by, strict=True):
            await workers[index].harness.processed(update["update_id"])

        assert set(accepted_by) == {0, 1}
        async with first.harness.db.session() as session:
            assert len((await session.scalars(select(Chat.id))).all()) == len(chats)
        for chat_id in chats:
            # Two workers may interleave one chat's updates; none is lost or doubled.
            assert sorted(await _servings_logged(first.harness, chat_id)) == per_chat
            texts = [m.text or "" for m in fake_api.messages(chat_id)]
            assert sum("subscribed" in t for t in texts) == 2
            assert sum("Logged" in t for t in texts) == len(per_chat)
        assert fake_api.stats().duplicates == 0
