"""Chat subscription repository."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from sqlalchemy import ColumnDefault, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached

from storage import chat_cache
from storage.models import Chat


class Status(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class NewChatDefaults:
    """Preferences a chat starts with; the bot fills these from its settings and content."""

    timezone: str
    delivery_time: dt.time
    topics: list[str]


# Menu versions live in a 32-bit column: start below 2**30 to leave 2**30 menus of room.
_MENU_VERSIONS = 2**30


def first_menu_version() -> int:
    """The menu version a new chat starts at: random, not 1.

    Old buttons are honoured only while their version is the chat's current one, and
    /forget deletes the row that held it. Starting at 1 again, a chat created anew would
    count through the very versions its earlier life used, and its old buttons would come
    back to life. From a random start among a billion, the two lives' versions (one per
    menu opened) overlap with odds of about one in five million when each opened a
    hundred menus.
    """
    return secrets.randbelow(_MENU_VERSIONS) + 1


@dataclass(frozen=True)
class SubscribeResult:
    chat: Chat
    created: bool
    was_active: bool


# The functions of an ordinary update are synchronous: `Database.run` runs them as one
# transaction in SQLite's database thread, and async code calls them via `run_sync`.


def get_chat(session: Session, chat_id: int) -> Chat | None:
    return session.get(Chat, chat_id)


def subscribe(
    session: Session,
    chat_id: int,
    chat_type: str,
    defaults: NewChatDefaults,
    *,
    setup: Callable[[Chat], object] | None = None,
) -> SubscribeResult:
    """Subscribe a chat, creating it with defaults or resuming it with its preferences kept.

    `setup` fills in what a new chat needs beyond the defaults (its first delivery, its
    first menu) before the row is written, so creating a chat is a lookup and one INSERT.
    Safe to call twice, and from two processes at once: the primary key decides who inserts.
    """
    chat = session.get(Chat, chat_id, with_for_update=True)
    if chat is None:
        fresh = _new_chat(chat_id, chat_type, defaults)
        if setup is not None:
            setup(fresh)
        if _insert_if_new(session, fresh):
            return SubscribeResult(fresh, created=True, was_active=False)
        # Another process inserted it since the lookup: resume that row instead.
        chat = session.get(Chat, chat_id, with_for_update=True, populate_existing=True)
        if chat is None:
            raise LookupError(f"chat {chat_id} was inserted and deleted while subscribing")
    was_active = chat.status == Status.ACTIVE
    chat.status = Status.ACTIVE
    chat.type = chat_type
    return SubscribeResult(chat, created=False, was_active=was_active)


def _new_chat(chat_id: int, chat_type: str, defaults: NewChatDefaults) -> Chat:
    chat = Chat(
        id=chat_id,
        type=chat_type,
        status=Status.ACTIVE,
        menu_version=first_menu_version(),
        timezone=defaults.timezone,
        delivery_time=defaults.delivery_time,
        topics=list(defaults.topics),
    )
    # Every column as the row will hold it (its default, or NULL), so reading the object
    # later needs no query; only what the server fills in (timestamps) is left unloaded.
    for column in Chat.__table__.columns:
        if column.key in chat.__dict__:
            continue
        default = column.default
        if isinstance(default, ColumnDefault):
            setattr(chat, column.key, default.arg(None) if default.is_callable else default.arg)
        elif column.server_default is None:
            setattr(chat, column.key, None)
    return chat


_CHATS = cast(Table, Chat.__table__)
# Built once: the values come with each execution, so SQLAlchemy compiles the statement
# once per process instead of building and hashing a new one for every new chat.
_INSERT_IF_NEW = {
    "postgresql": postgresql.insert(_CHATS).on_conflict_do_nothing(index_elements=[_CHATS.c.id]),
    "sqlite": sqlite.insert(_CHATS).on_conflict_do_nothing(index_elements=[_CHATS.c.id]),
}


def _insert_if_new(session: Session, chat: Chat) -> bool:
    """Write `chat` unless its id exists; if written, it joins the session as that row.

    One INSERT ... ON CONFLICT DO NOTHING: the ORM's way (add and flush inside a savepoint
    in case another process inserted first, then update the new row) took four statements
    and made /start the costliest step of a busy minute.
    """
    values = {
        column.key: getattr(chat, column.key)
        for column in _CHATS.columns
        if column.key in chat.__dict__
    }
    statement = _INSERT_IF_NEW[session.get_bind().dialect.name]
    if session.connection().execute(statement, values).rowcount != 1:
        return False
    make_transient_to_detached(chat)
    session.add(chat)
    chat_cache.wrote_chat(session, chat)
    return True


def ensure_next_due(chat: Chat, next_due: Callable[[Chat], dt.datetime | None]) -> bool:
    """Give an active chat without a next delivery time one; True if it needed it.

    The due query never selects such a chat, so without this it would silently get
    nothing (a subscription half-written by an interrupted transaction, for instance).
    """
    if chat.status != Status.ACTIVE or chat.next_due_at is not None:
        return False
    chat.next_due_at = next_due(chat)
    return chat.next_due_at is not None


async def unsubscribe(session: AsyncSession, chat_id: int) -> bool:
    """Stop deliveries but keep preferences; returns False if the chat was not subscribed."""
    chat = await session.get(Chat, chat_id, with_for_update=True)
    return chat is not None and stop(chat)


def stop(chat: Chat) -> bool:
    """Stop a locked chat row's deliveries, keeping its preferences; False if not subscribed."""
    if chat.status != Status.ACTIVE:
        return False
    chat.status = Status.STOPPED
    chat.next_due_at = None
    return True


async def mark_blocked(session: AsyncSession, chat_id: int) -> None:
    chat = await session.get(Chat, chat_id, with_for_update=True)
    if chat is not None:
        chat.status = Status.BLOCKED
        chat.next_due_at = None


async def forget(session: AsyncSession, chat_id: int) -> bool:
    """Delete the chat and, by cascade, everything stored about it."""
    result = await session.execute(delete(Chat).where(Chat.id == chat_id))
    chat_cache.deleted_chat(session.sync_session, chat_id)
    return bool(result.rowcount)  # type: ignore[attr-defined]
