"""What an update may need to know about its chat, kept in memory between updates.

`/foods`, `/log` and `/plan` need the person's age band, sex, life stage, diet and time
zone; with a webhook, every command and typed message needs the chat's open settings
question. Read from the database each time, that is a round trip on most updates, for
values that change a few times in a chat's life. So the process keeps a `ChatView` per
chat it served recently:

- A read fills it (`Database.chat_view`); nothing is kept for a chat with no row.
- This process's own writes go through to it when their transaction commits, and only
  then: session hooks note every chat whose cached columns a flush changed, and a
  transaction that rolls back (or loses a savepoint) leaves the cache untouched.
- Other processes' writes reach it on PostgreSQL by LISTEN/NOTIFY: a trigger
  (migration 0004) notifies `chats_changed` with the chat's id when any cached column
  changes or the row is deleted, whoever wrote it, and `storage.chat_listener` evicts it.
  While that connection is down the cache is off (every lookup reads the database) and
  emptied, so nothing from before the gap is trusted after it.
- On SQLite there is no such channel: the cache is on only when this process is the only
  one handling the bot's updates (polling, the console), the one writer of these columns.

A read that raced a write must not put back what the write replaced: every change bumps
an epoch, and a read's result is kept only if no change came between the read's start
and its end. A change applied from another thread (the SQLite database thread) is handed
to the event loop before its caller resumes, so the caller's next lookup already sees it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from storage.models import Chat

# The columns a ChatView holds. The PostgreSQL trigger of migration 0004 lists the same
# ones (a test compares them).
CACHED_COLUMNS = (
    "age_band",
    "sex",
    "life_stage",
    "diet",
    "timezone",
    "awaiting",
    "awaiting_user_id",
)
# About 200 bytes a chat: 100,000 chats stay around 20 MB.
CAPACITY = 100_000

# Keys of Session.info.
_CACHE = "chat_cache"
_CHANGES = "chat_cache_changes"
_EPOCH = "chat_cache_epoch"


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat's preferences and open question, as last committed."""

    id: int
    age_band: str | None
    sex: str | None
    life_stage: str | None
    diet: tuple[str, ...]
    timezone: str
    awaiting: str | None
    awaiting_user_id: int | None

    @classmethod
    def of(cls, chat: Chat) -> ChatView:
        return cls(
            id=chat.id,
            age_band=chat.age_band,
            sex=chat.sex,
            life_stage=chat.life_stage,
            diet=tuple(chat.diet or ()),
            timezone=chat.timezone,
            awaiting=chat.awaiting,
            awaiting_user_id=chat.awaiting_user_id,
        )

    @property
    def pending(self) -> tuple[str, int | None] | None:
        """The open settings question and who was asked, or None."""
        return None if self.awaiting is None else (self.awaiting, self.awaiting_user_id)


_VIEW_COLUMNS = [Chat.id, *(getattr(Chat, name) for name in CACHED_COLUMNS)]


def read_view(session: Session, chat_id: int) -> ChatView | None:
    """One query; synchronous, for `Database.read`."""
    row = session.execute(select(*_VIEW_COLUMNS).where(Chat.id == chat_id)).first()
    if row is None:
        return None
    values = row._asdict()
    return ChatView(**{**values, "diet": tuple(values["diet"] or ())})


class ChatCache:
    """Chat views by chat id, least recently used first out; off until `turn_on`."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._views: OrderedDict[int, ChatView] = OrderedDict()
        self._epoch = 0
        self._on = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    @property
    def on(self) -> bool:
        return self._on

    def turn_on(self) -> None:
        """Start serving, empty: call on the event loop that will use the cache."""
        self._views.clear()
        self._epoch += 1
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._on = True

    def turn_off(self) -> None:
        """Stop serving and forget everything (the change feed was lost)."""
        self._on = False
        self._views.clear()
        self._epoch += 1

    def __len__(self) -> int:
        return len(self._views)

    def get(self, chat_id: int) -> ChatView | None:
        if not self._on:
            return None
        view = self._views.get(chat_id)
        if view is not None:
            self._views.move_to_end(chat_id)
        return view

    def epoch(self) -> int:
        """Take before a read; hand to `keep` with its result."""
        return self._epoch

    def keep(self, view: ChatView, epoch: int) -> None:
        """Keep what a read found, unless something changed since it began."""
        if self._on and epoch == self._epoch:
            self._put(view)

    def evict(self, chat_ids: Iterable[int]) -> None:
        """Forget these chats (another process changed or deleted them)."""
        self._epoch += 1
        for chat_id in chat_ids:
            self._views.pop(chat_id, None)

    def committed(self, changes: Mapping[int, ChatView | None], epoch: int) -> None:
        """This process committed `changes` (None: forget the chat); called from any thread.

        The new values are kept only if nothing else changed since the transaction's first
        flush (`epoch`): a newer change from another process may already have arrived.
        """
        if self._loop is None or self._loop_thread == threading.get_ident():
            self._apply(changes, epoch)
        else:
            self._loop.call_soon_threadsafe(self._apply, changes, epoch)

    def _apply(self, changes: Mapping[int, ChatView | None], epoch: int) -> None:
        current = epoch == self._epoch
        self.evict(changes)
        if not (self._on and current):
            return
        for view in changes.values():
            if view is not None:
                self._put(view)

    def _put(self, view: ChatView) -> None:
        self._views[view.id] = view
        self._views.move_to_end(view.id)
        if len(self._views) > self.capacity:
            self._views.popitem(last=False)


# ------------------------------------------------------------------ session hooks


class TrackedSession(Session):
    """The Session class of every Database: its commits reach the Database's ChatCache."""


def session_info(cache: ChatCache) -> dict[str, Any]:
    return {_CACHE: cache}


def wrote_chat(session: Session, chat: Chat) -> None:
    """Note a chat this transaction wrote outside the unit of work (an INSERT)."""
    if _CACHE in session.info:
        _changes(session)[chat.id] = ChatView.of(chat)


def deleted_chat(session: Session, chat_id: int) -> None:
    """Note a chat this transaction deleted with a bulk DELETE."""
    if _CACHE in session.info:
        _changes(session)[chat_id] = None


def _changes(session: Session) -> dict[int, ChatView | None]:
    if _CHANGES not in session.info:
        session.info[_CHANGES] = {}
        session.info[_EPOCH] = session.info[_CACHE].epoch()
    changes: dict[int, ChatView | None] = session.info[_CHANGES]
    return changes


def _cached_columns_changed(chat: Chat) -> bool:
    # committed_state holds the value each modified attribute had when loaded; setting an
    # attribute to the value it already had (clearing an open question that was not open)
    # is not a change.
    state = inspect(chat)
    before = state.committed_state
    return any(name in before and before[name] != state.dict.get(name) for name in CACHED_COLUMNS)


def _fully_loaded(chat: Chat) -> bool:
    return inspect(chat).unloaded.isdisjoint(CACHED_COLUMNS)


@event.listens_for(TrackedSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if _CACHE not in session.info:
        return
    for obj in session.dirty:
        if isinstance(obj, Chat) and _cached_columns_changed(obj):
            _changes(session)[obj.id] = ChatView.of(obj) if _fully_loaded(obj) else None
    for obj in session.new:
        if isinstance(obj, Chat):
            _changes(session)[obj.id] = ChatView.of(obj) if _fully_loaded(obj) else None
    for obj in session.deleted:
        if isinstance(obj, Chat):
            _changes(session)[obj.id] = None


@event.listens_for(TrackedSession, "after_commit")
def _publish(session: Session) -> None:
    changes = session.info.pop(_CHANGES, None)
    epoch = session.info.pop(_EPOCH, 0)
    if changes:
        session.info[_CACHE].committed(changes, epoch)


@event.listens_for(TrackedSession, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    changes = session.info.get(_CHANGES)
    if not changes:
        return
    if previous.nested:
        # The savepoint may have undone some noted changes: evict rather than write through.
        for chat_id in changes:
            changes[chat_id] = None
    else:
        session.info.pop(_CHANGES, None)
        session.info.pop(_EPOCH, None)
