"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from storage.chat_cache import ChatCache, ChatView, TrackedSession, read_view, session_info
from storage.chat_listener import ChangeListener

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/magbot.db"
# PostgreSQL connections kept open per process (up to 10 more while busy).
POOL_SIZE = 10
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def normalise_database_url(value: str) -> str:
    """Accept the URLs operators usually have and pick the async driver for them."""
    try:
        url: URL = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            "not a database URL (expected sqlite:///path or postgresql://...)"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(f"unsupported database '{url.drivername}' (use sqlite or postgresql)")
    url = url.set(drivername=driver)
    if driver.startswith("sqlite") and not url.database:
        raise ValueError("a SQLite URL needs a file path, e.g. sqlite:///data/magbot.db")
    if driver.startswith("postgresql") and not url.database:
        raise ValueError("a PostgreSQL URL needs a database name")
    return url.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys make /forget's cascade work; WAL lets the scheduler read while the bot
    # writes; busy_timeout turns short lock waits into waits instead of errors.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _drop_if_closed(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has closed (a restart, an idle timeout).

    SQLAlchemy's pre-ping asks the server instead: on asyncpg that is BEGIN, a query and
    ROLLBACK, three round trips before every transaction, as many as a read itself. The
    driver knows without asking when the server has closed the socket; a connection
    broken some other way fails its transaction once, and SQLAlchemy then replaces every
    connection of the pool.
    """
    driver = record.driver_connection
    if driver is None or driver.is_closed():
        raise DisconnectionError("the server closed this connection")


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


# Set while the current task (and the tasks it starts) holds the SQLite transaction lock.
_holding_sqlite_lock: ContextVar[bool] = ContextVar("holding_sqlite_lock", default=False)


class Database:
    """Owns the async engine; hand out sessions with `async with db.session() as s`."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            options.update(pool_size=POOL_SIZE, max_overflow=10, pool_recycle=1800)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine, "checkout", _drop_if_closed)
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=TrackedSession
        )
        # Off (every lookup reads) until `cache_chats`; see storage.chat_cache.
        self.chat_cache = ChatCache()
        self._listener: ChangeListener | None = None
        self._sqlite_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._thread: _SqliteThread | None = None
        if self.is_sqlite and self.url.database not in (None, "", ":memory:"):
            self._thread = _SqliteThread(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.exclusive(), self.sessionmaker() as session, session.begin():
            yield session

    async def run(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `work(session, ...)`, a synchronous function, as one transaction.

        On a SQLite file the whole transaction runs in one database thread: one hop from
        the event loop per transaction instead of several per statement through aiosqlite,
        a third of the CPU (benchmarks/sqlite_driver.py). On PostgreSQL it runs on the
        async session's own connection (`run_sync`), exactly as an async transaction would.
        """

        def transaction(session: Session) -> T:
            return work(session, *args, **kwargs)

        thread = self._thread
        if thread is None or _holding_sqlite_lock.get():
            # PostgreSQL, an in-memory SQLite database, or called while this task holds
            # the SQLite lock (inside its own transaction): the thread would wait for that
            # lock for ever, so the work runs on an async connection of its own.
            async with self.session() as session:
                return await session.run_sync(transaction)
        return await thread.run(transaction, self.exclusive)

    async def read(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `work(session, ...)`, a synchronous function that reads with one query.

        One query needs no transaction around it to be consistent: on PostgreSQL it runs
        without BEGIN and COMMIT, one round trip instead of three. On SQLite, as `run`.
        """
        if self.is_sqlite:
            return await self.run(work, *args, **kwargs)

        def query(session: Session) -> T:
            return work(session, *args, **kwargs)

        async with self.sessionmaker() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return await session.run_sync(query)

    async def chat_view(self, chat_id: int) -> ChatView | None:
        """The chat's preferences and open question: from memory, or one read."""
        view = self.chat_cache.get(chat_id)
        if view is not None:
            return view
        epoch = self.chat_cache.epoch()
        view = await self.read(read_view, chat_id)
        if view is not None:
            self.chat_cache.keep(view, epoch)
        return view

    async def cache_chats(self, *, sole_handler: bool) -> None:
        """Keep chat views in memory where that stays correct (storage.chat_cache).

        On PostgreSQL, once this process listens for other processes' changes; on SQLite,
        only when this process is the only one handling updates (`sole_handler`).
        """
        if self.is_sqlite and not sole_handler:
            return
        info = session_info(self.chat_cache)
        self.sessionmaker.configure(info=info)
        if self._thread is not None:
            self._thread.configure(info)
        if self.is_sqlite:
            self.chat_cache.turn_on()
            return
        self._listener = ChangeListener(self.url, self.chat_cache)
        await self._listener.start()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """On SQLite, one transaction at a time in this process; on PostgreSQL, nothing.

        SQLite has one writer at a time, and a connection that finds the file locked
        sleeps and retries (busy_timeout) in steps of up to 100 ms: with a few dozen
        updates in flight, most of their time went to those sleeps. Queued here, each
        transaction starts the moment the previous one ends. Nested use (a session opened
        while one is held, in the same task) passes straight through.
        """
        if not self.is_sqlite or _holding_sqlite_lock.get():
            yield
            return
        async with self._lock():
            token = _holding_sqlite_lock.set(True)
            try:
                yield
            finally:
                _holding_sqlite_lock.reset(token)

    def _lock(self) -> asyncio.Lock:
        # One lock per event loop: a Database may outlive the loop it was first used on.
        loop = asyncio.get_running_loop()
        if self._sqlite_lock is None or self._sqlite_lock[0] is not loop:
            self._sqlite_lock = (loop, asyncio.Lock())
        return self._sqlite_lock[1]

    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    async def answers(self) -> bool:
        """True when the database answers a trivial query (health checks)."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))
        return True

    async def warm(self) -> None:
        """Open the connections a busy minute needs before the first update comes.

        Opened on demand, PostgreSQL's pool made the first second's replies wait for ten
        new connections at once (300 ms at 300 updates a second); on SQLite this starts
        the database thread and its connection.
        """
        if self._thread is not None:
            await self.run(_nothing)
            return
        await asyncio.gather(*(self.answers() for _ in range(1 if self.is_sqlite else POOL_SIZE)))

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
        if self._thread is not None:
            await self._thread.close()
        await self.engine.dispose()


def _nothing(_session: Session) -> None:
    return None


def _settle(future: asyncio.Future[Any], succeeded: bool, value: Any) -> None:
    if future.done():  # its caller gave up waiting
        return
    if succeeded:
        future.set_result(value)
    else:
        future.set_exception(value)


# Database.exclusive: the process's SQLite lock, as a context manager factory.
Exclusive = Callable[[], AbstractAsyncContextManager[None]]


class _SqliteThread:
    """One thread with its own synchronous connection to the SQLite file.

    Transactions handed to it while it is busy wait together and then run back to back in
    one hop to the thread, each committed on its own. One at a time, they queued for the
    process's SQLite lock and each handover waited for a turn of the busy event loop: at a
    few hundred updates a second, /start waited about a second for its INSERT. The lock is
    taken once per batch, so the async connections still never compete for the file.
    """

    def __init__(self, url: URL) -> None:
        self._url = url.set(drivername="sqlite")
        self._executor: ThreadPoolExecutor | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._info: dict[str, Any] = {}
        self._waiting: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None

    def configure(self, info: dict[str, Any]) -> None:
        """Session.info for this thread's sessions (before its first transaction is best)."""
        self._info = info
        if self._sessions is not None:
            self._sessions.configure(info=info)

    async def run(
        self,
        work: Callable[[Session], T],
        exclusive: Callable[[], AbstractAsyncContextManager[None]],
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(exclusive), name="sqlite-thread")
        return await future

    async def _drain(self, exclusive: Exclusive) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        while self._waiting:
            # The lock is given up between batches: async sessions queued for it go first.
            async with exclusive():
                batch, self._waiting = self._waiting, []
                try:
                    await loop.run_in_executor(self._executor, self._transactions, loop, batch)
                except BaseException as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    raise

    def _transactions(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]],
    ) -> None:
        """Each in its own transaction; each caller resumes as soon as its own is done."""
        if self._sessions is None:
            self._sessions = sessionmaker(
                self._engine(), expire_on_commit=False, class_=TrackedSession, info=self._info
            )
        for work, future in batch:
            try:
                with self._sessions() as session, session.begin():
                    result = work(session)
            except Exception as error:
                loop.call_soon_threadsafe(_settle, future, False, error)
            else:
                loop.call_soon_threadsafe(_settle, future, True, result)

    def _engine(self) -> Engine:
        engine = create_engine(self._url)
        event.listen(engine, "connect", _sqlite_pragmas)
        # The sqlite3 module's own transaction handling starts no transaction before a
        # SAVEPOINT, so releasing one committed everything (SQLAlchemy's pysqlite notes):
        # hand transactions to SQLAlchemy, which then says BEGIN itself.
        event.listen(engine, "connect", _no_driver_transactions)
        event.listen(engine, "begin", _begin)
        return engine

    async def close(self) -> None:
        if self._draining is not None:
            with contextlib.suppress(Exception):
                await self._draining
        executor, self._executor = self._executor, None
        if executor is None:
            return
        sessions, self._sessions = self._sessions, None
        if sessions is not None:
            engine = sessions.kw["bind"]
            await asyncio.get_running_loop().run_in_executor(executor, engine.dispose)
        executor.shutdown(wait=True)
