"""The chat cache (storage/chat_cache.py): it serves what was last committed, in one process
and, on PostgreSQL, across processes (worker, scheduler or an operator's SQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import importlib.util
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from content import Library
from devtools import pgserver
from devtools.fakebotapi import FakeBotAPI
from storage import Database, chats, migrate, preferences
from storage.chat_cache import CACHED_COLUMNS, ChatCache, ChatView, read_view
from storage.chat_listener import APPLICATION_NAME
from tests.conftest import fresh_database_url
from tests.webhook_helpers import WebhookBot, webhook_bot

DEFAULTS = chats.NewChatDefaults("UTC", dt.time(9, 0), ["cramps"])
CHAT = 4242


def _view(chat_id: int, age_band: str | None = None) -> ChatView:
    return ChatView(chat_id, age_band, None, None, (), "UTC", None, None)


def _set(session: Session, chat_id: int, values: dict[str, Any]) -> None:
    chat = preferences.chat_for_update(session, chat_id)
    assert chat is not None
    for name, value in values.items():
        setattr(chat, name, value)


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait for something another process causes (a notification), up to `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "it never happened"
        await asyncio.sleep(0.02)


async def _cached_database(url: str) -> Database:
    db = Database(url)
    await migrate.upgrade(db)
    await db.cache_chats(sole_handler=True)
    assert db.chat_cache.on
    return db


@pytest.fixture
async def cached(database_url: str) -> AsyncIterator[Database]:
    db = await _cached_database(database_url)
    yield db
    await db.close()


# --------------------------------------------------------------------- pure logic


async def test_a_read_that_raced_a_change_is_not_kept() -> None:
    cache = ChatCache()
    cache.turn_on()
    epoch = cache.epoch()
    cache.evict([7])  # a change committed while the read was on its way
    cache.keep(_view(7, "4-8"), epoch)
    assert cache.get(7) is None
    cache.keep(_view(7, "4-8"), cache.epoch())
    assert cache.get(7) == _view(7, "4-8")


async def test_a_write_through_loses_to_a_newer_change_from_elsewhere() -> None:
    cache = ChatCache()
    cache.turn_on()
    epoch = cache.epoch()  # our transaction's first flush
    cache.evict([7])  # another process's later change arrived before our commit hook
    cache.committed({7: _view(7, "1-3")}, epoch)
    assert cache.get(7) is None
    epoch = cache.epoch()
    cache.committed({7: _view(7, "1-3")}, epoch)
    assert cache.get(7) == _view(7, "1-3")


async def test_least_recently_used_leaves_first_and_off_serves_nothing() -> None:
    cache = ChatCache(capacity=2)
    assert cache.get(1) is None
    cache.keep(_view(1), cache.epoch())
    assert len(cache) == 0, "off: nothing is kept"
    cache.turn_on()
    for chat_id in (1, 2):
        cache.keep(_view(chat_id), cache.epoch())
    assert cache.get(1) is not None  # 1 is now the most recently used
    cache.keep(_view(3), cache.epoch())
    assert cache.get(2) is None and cache.get(1) is not None and cache.get(3) is not None
    cache.turn_off()
    assert cache.get(1) is None and len(cache) == 0


async def test_a_change_made_in_another_thread_lands_before_the_caller_resumes() -> None:
    cache = ChatCache()
    cache.turn_on()
    cache.keep(_view(7), cache.epoch())
    loop = asyncio.get_running_loop()
    resumed = loop.create_future()

    def in_database_thread() -> None:
        cache.committed({7: _view(7, "9-13")}, cache.epoch())
        loop.call_soon_threadsafe(resumed.set_result, None)

    await asyncio.to_thread(in_database_thread)
    await resumed
    assert cache.get(7) == _view(7, "9-13")


def test_the_trigger_watches_exactly_the_cached_columns() -> None:
    path = migrate.HERE / "migrations" / "versions" / "0004_chat_change_feed.py"
    spec = importlib.util.spec_from_file_location("chat_change_feed", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert tuple(migration.COLUMNS) == CACHED_COLUMNS


# ---------------------------------------------------------------- one process


async def test_a_committed_change_goes_through_and_is_served(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)
    view = await cached.chat_view(CHAT)
    assert view is not None and view.age_band is None and view.diet == ()
    await cached.run(_set, CHAT, {"age_band": "4-8", "diet": ["vegan"]})
    # Never the old value: the new one (written through), or nothing until the next read.
    assert cached.chat_cache.get(CHAT) in (None, _replace(view, age_band="4-8", diet=("vegan",)))
    served = await cached.chat_view(CHAT)
    assert served is not None and served.age_band == "4-8" and served.diet == ("vegan",)
    if cached.is_sqlite:
        assert cached.chat_cache.get(CHAT) == served


async def test_a_rolled_back_change_leaves_what_was_committed(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)
    await cached.run(_set, CHAT, {"age_band": "19-30", "sex": "female"})

    def change_then_fail(session: Session) -> None:
        _set(session, CHAT, {"age_band": "1-3"})
        session.flush()
        raise RuntimeError("after the flush")

    with pytest.raises(RuntimeError):
        await cached.run(change_then_fail)
    assert (cached.chat_cache.get(CHAT) or _view(CHAT, "19-30")).age_band == "19-30"
    served = await cached.chat_view(CHAT)
    assert served is not None and served.age_band == "19-30"


async def test_a_rolled_back_savepoint_is_not_written_through(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)

    def change_in_a_savepoint_then_undo(session: Session) -> None:
        savepoint = session.begin_nested()
        _set(session, CHAT, {"age_band": "1-3"})
        session.flush()
        savepoint.rollback()

    await cached.run(change_in_a_savepoint_then_undo)
    assert cached.chat_cache.get(CHAT) in (None, await cached.read(read_view, CHAT))
    served = await cached.chat_view(CHAT)
    assert served is not None and served.age_band is None


async def test_forget_drops_the_chat(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)
    assert await cached.chat_view(CHAT) is not None
    async with cached.session() as session:
        assert await chats.forget(session, CHAT)
    assert cached.chat_cache.get(CHAT) is None
    assert await cached.chat_view(CHAT) is None


async def test_an_open_question_is_served_from_the_cache(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)

    def ask(session: Session) -> None:
        chat = preferences.chat_for_update(session, CHAT)
        assert chat is not None
        preferences.await_answer(chat, "city", 99)

    await cached.run(ask)
    view = await cached.chat_view(CHAT)
    assert view is not None and view.pending == ("city", 99)


async def test_other_columns_leave_the_view_in_place(cached: Database) -> None:
    await cached.run(chats.subscribe, CHAT, "private", DEFAULTS)
    await cached.run(chats.subscribe, CHAT + 1, "private", DEFAULTS)
    view = await cached.chat_view(CHAT)
    assert view is not None and cached.chat_cache.get(CHAT) is view

    def open_menu(session: Session) -> None:
        chat = preferences.chat_for_update(session, CHAT)
        assert chat is not None
        preferences.open_menu(chat)  # a new menu version; the (closed) question stays closed

    await cached.run(open_menu)
    if not cached.is_sqlite:
        # Notifications arrive in commit order: once the second chat's is in, any for the
        # first would have been too.
        await cached.chat_view(CHAT + 1)
        await cached.run(_set, CHAT + 1, {"timezone": "Europe/Paris"})
        await _eventually(lambda: _absent(cached, CHAT + 1))
    assert cached.chat_cache.get(CHAT) is view


async def _absent(db: Database, chat_id: int) -> bool:
    return db.chat_cache.get(chat_id) is None


def _replace(view: ChatView, **values: Any) -> ChatView:
    fields = {name: getattr(view, name) for name in ("id", *CACHED_COLUMNS)}
    return ChatView(**{**fields, **values})


async def test_sqlite_caches_only_for_the_sole_handler(tmp_path: Any) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'webhook.db'}")
    await migrate.upgrade(db)
    try:
        await db.cache_chats(sole_handler=False)
        await db.run(chats.subscribe, CHAT, "private", DEFAULTS)
        assert await db.chat_view(CHAT) is not None
        assert not db.chat_cache.on and len(db.chat_cache) == 0
    finally:
        await db.close()


# ----------------------------------------------------- PostgreSQL, several processes


@pytest.fixture
async def two_workers(
    request: pytest.FixtureRequest, tmp_path: Any, pg_server: pgserver.PgServer
) -> AsyncIterator[tuple[Database, Database, str]]:
    url = fresh_database_url(request, "postgresql", tmp_path)
    first, second = await _cached_database(url), await _cached_database(url)
    try:
        yield first, second, url
    finally:
        await first.close()
        await second.close()


async def _seen_by_both(first: Database, second: Database) -> None:
    """A new chat, written by the first worker and read (so cached) by the second."""
    await first.run(chats.subscribe, CHAT, "private", DEFAULTS)
    assert await second.chat_view(CHAT) is not None
    assert second.chat_cache.get(CHAT) is not None


async def test_another_workers_change_reaches_this_cache(
    two_workers: tuple[Database, Database, str],
) -> None:
    first, second, _ = two_workers
    await _seen_by_both(first, second)
    await first.run(_set, CHAT, {"age_band": "1-3"})

    async def second_sees_it() -> bool:
        view = await second.chat_view(CHAT)
        return view is not None and view.age_band == "1-3"

    await _eventually(second_sees_it)
    assert second.chat_cache.get(CHAT) == await second.read(read_view, CHAT)


@pytest.mark.parametrize(
    "column, sql, expected",
    [
        ("age_band", "'9-13'", "9-13"),
        ("sex", "'male'", "male"),
        ("life_stage", "'pregnant'", "pregnant"),
        ("diet", """'["vegan"]'""", ("vegan",)),
        ("timezone", "'Asia/Tokyo'", "Asia/Tokyo"),
        ("awaiting", "'city'", "city"),
        ("awaiting_user_id", "77", 77),
    ],
)
async def test_an_operators_sql_on_any_cached_column_evicts(
    two_workers: tuple[Database, Database, str],
    pg_server: pgserver.PgServer,
    column: str,
    sql: str,
    expected: object,
) -> None:
    first, second, url = two_workers
    await _seen_by_both(first, second)
    pg_server.psql(f"UPDATE chats SET {column} = {sql} WHERE id = {CHAT}", url.rsplit("/", 1)[1])
    await _eventually(lambda: _absent(second, CHAT))
    view = await second.chat_view(CHAT)
    assert view is not None and getattr(view, column) == expected


async def test_a_deleted_chat_is_dropped_everywhere(
    two_workers: tuple[Database, Database, str],
) -> None:
    first, second, _ = two_workers
    await _seen_by_both(first, second)
    async with first.session() as session:
        await chats.forget(session, CHAT)
    await _eventually(lambda: _absent(second, CHAT))
    assert await second.chat_view(CHAT) is None


async def test_a_lost_feed_turns_the_cache_off_until_it_listens_again(
    two_workers: tuple[Database, Database, str],
) -> None:
    first, second, _ = two_workers
    await _seen_by_both(first, second)
    async with first.session() as session:
        ended = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        )
    assert ended == 2  # both workers' listeners

    async def off() -> bool:
        return not second.chat_cache.on

    await _eventually(off)
    assert second.chat_cache.get(CHAT) is None
    # Changed while nobody listened: read from the database, so never stale.
    await first.run(_set, CHAT, {"age_band": "4-8"})
    view = await second.chat_view(CHAT)
    assert view is not None and view.age_band == "4-8"

    async def back_on() -> bool:
        return second.chat_cache.on

    await _eventually(back_on)
    assert len(second.chat_cache) == 0


# ------------------------------------------------------------ end to end, two workers


def _plain(text_: str | None) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text_ or ""))


async def _ask(worker: WebhookBot, api: FakeBotAPI, chat_id: int, message: str) -> str:
    before = len(api.messages(chat_id))
    update_id = api.send_text(chat_id, message)
    update = next(u for u in api.pending_updates() if u["update_id"] == update_id)
    assert (await worker.post(update)).status_code == 200
    await worker.harness.processed(update_id)
    replies = await api.wait_for_messages(chat_id, before + 1)
    return _plain(replies[before].text)


async def test_a_childs_profile_set_on_one_worker_is_used_by_the_other(
    fake_api: FakeBotAPI,
    library: Library,
    request: pytest.FixtureRequest,
    tmp_path: Any,
    pg_server: pgserver.PgServer,
) -> None:
    url = fresh_database_url(request, "postgresql", tmp_path)
    async with (
        webhook_bot(fake_api, url, library) as first,
        webhook_bot(fake_api, url, library) as second,
    ):
        assert first.harness.db.chat_cache.on and second.harness.db.chat_cache.on
        assert "subscribed" in await _ask(first, fake_api, CHAT, "/start")
        adult = await _ask(second, fake_api, CHAT, "/log magnesium 100 mg")
        assert "350" in adult
        assert second.harness.db.chat_cache.get(CHAT) is not None
        # The settings menu's write, on the first worker: a toddler's profile. The second
        # worker hears of it a moment after the commit (a person's next message comes
        # after the reply that confirms the change, far later than that moment).
        await first.harness.db.run(_set, CHAT, {"age_band": "1-3", "sex": None})
        await _eventually(lambda: _absent(second.harness.db, CHAT))
        child = await _ask(second, fake_api, CHAT, "/log magnesium 100 mg")
        assert "65 mg a day" in child and "350" not in child
