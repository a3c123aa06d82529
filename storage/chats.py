"""Chat subscription repository."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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
    session: Session, chat_id: int, chat_type: str, defaults: NewChatDefaults
) -> SubscribeResult:
    """Subscribe a chat, creating it with defaults or resuming it with its preferences kept.

    Safe to call twice, and from two processes at once: the primary key decides who inserts.
    """
    chat = session.get(Chat, chat_id, with_for_update=True)
    if chat is None:
        chat = Chat(
            id=chat_id,
            type=chat_type,
            status=Status.ACTIVE,
            menu_version=first_menu_version(),
            timezone=defaults.timezone,
            delivery_time=defaults.delivery_time,
            topics=list(defaults.topics),
            diet=[],
            frequency="daily",
            food_mode="with_tip",
            food_weekday=0,
            paused_indefinitely=False,
            tip_cycle=1,
            food_cycle=1,
        )
        try:
            with session.begin_nested():
                session.add(chat)
        except IntegrityError:
            existing = session.get(Chat, chat_id, with_for_update=True, populate_existing=True)
            assert existing is not None
            return SubscribeResult(existing, created=False, was_active=True)
        return SubscribeResult(chat, created=True, was_active=False)
    was_active = chat.status == Status.ACTIVE
    chat.status = Status.ACTIVE
    chat.type = chat_type
    return SubscribeResult(chat, created=False, was_active=was_active)


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
    if chat is None or chat.status != Status.ACTIVE:
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
    return bool(result.rowcount)  # type: ignore[attr-defined]
