"""What a claimed chat gets at its slot: pure functions of the chat, the content and the
time, so every rule here is unit-testable without a database or a Bot API.

The claim step (scheduler/claims.py) feeds these the chats it claimed and writes back
what they decide; the dispatch step (scheduler/dispatch.py) sends the `Outgoing` messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from content import Food, Library, Tip
from content.schedule import FREQUENCY_DAYS, Frequency
from scheduler import rotation
from scheduler.render import broadcast_text, delivery_text, profile_of
from scheduler.schedule import delivery_weekdays, next_slot, slot_day
from storage import chats as chat_repo
from storage import history
from storage.deliveries import ChatUpdate, DueChat, Kind, OpenDelivery


@dataclass
class TickSummary:
    due: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    # Resent this tick: rows a dead worker left unsent, and rows whose send failed before.
    recovered: int = 0
    retried: int = 0
    # The tick stopped at its broadcast budget: broadcast rows may still wait.
    more: bool = False

    def line(self) -> str:
        return (
            f"due={self.due} sent={self.sent} skipped={self.skipped} failed={self.failed} "
            f"(blocked={self.blocked}, recovered={self.recovered}, retried={self.retried})"
        )


class DeliveryObserver(Protocol):
    """Told about every finished delivery attempt: `outcome` is sent, failed, blocked,
    skipped or retry (provably not delivered; a later tick tries again), and `lag_seconds`
    how long after its due time Telegram accepted it (sent only).
    bot.metrics.Metrics is one."""

    def observe_delivery(self, outcome: str, lag_seconds: float | None = None) -> None: ...


class Observe(Protocol):
    """How the claim and dispatch steps report a finished delivery to the engine."""

    def __call__(self, outcome: str, lag_seconds: float | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: a chat's tip and/or food idea, and the ledger rows it settles."""

    chat_id: int
    text: str
    ledger_ids: tuple[int, ...]
    due_at: dt.datetime
    # A broadcast message: not tied to a local time, so it has no lateness to report.
    broadcast: bool = False


@dataclass
class Plan:
    """What a claimed chat gets at this slot, before the ledger has had its say."""

    chat: DueChat
    local_date: dt.date
    due_at: dt.datetime
    picks: dict[Kind, rotation.Pick] = field(default_factory=dict)


def paused(chat: DueChat, now: dt.datetime) -> bool:
    return chat.paused_indefinitely or (chat.paused_until is not None and chat.paused_until > now)


def food_day(chat: DueChat, weekday: int) -> bool:
    if chat.food_mode == "with_tip":
        return weekday in FREQUENCY_DAYS[Frequency(chat.frequency)]
    return chat.food_mode == "weekly" and weekday == chat.food_weekday


def _next_slot(chat: DueChat, after: dt.datetime) -> dt.datetime:
    return next_slot(
        after,
        tz=ZoneInfo(chat.timezone),
        at=chat.delivery_time,
        weekdays=delivery_weekdays(chat.frequency, chat.food_mode, chat.food_weekday),
    )


def next_due(chat: DueChat, now: dt.datetime) -> dt.datetime:
    """The chat's first slot after `now` (after its pause, if it is paused)."""
    after = now
    if chat.paused_until is not None and chat.paused_until > now:
        after = chat.paused_until
    return _next_slot(chat, after)


def slot_to_send(
    chat: DueChat, now: dt.datetime, catchup_window: dt.timedelta
) -> dt.datetime | None:
    """The slot a due chat is sent now: the latest of its slots from its stored due time up
    to `now` that is still inside the catch-up window, or None if every one is older.

    After an outage of any length the most recent timely slot is still sent and only older
    ones are missed; with a window over a day, older slots inside it are missed too (one
    message, not a backlog).
    """
    assert chat.next_due_at is not None
    oldest = now - catchup_window
    slot = chat.next_due_at
    if slot < oldest:
        # The first slot at or after the window's start (next_slot is strictly after).
        slot = _next_slot(chat, oldest - dt.timedelta(microseconds=1))
    if slot > now:
        return None
    while (later := _next_slot(chat, slot)) <= now:
        slot = later
    return slot


def plan(
    library: Library,
    chat: DueChat,
    now: dt.datetime,
    seen: dict[tuple[int, Kind], set[str]],
    catchup_window: dt.timedelta,
) -> Plan | None:
    """The tip and food idea a due chat gets now, or None: paused, too late or nothing to send."""
    if paused(chat, now):
        return None
    due_at = slot_to_send(chat, now, catchup_window)
    if due_at is None:
        return None
    local_day = slot_day(due_at, ZoneInfo(chat.timezone), chat.delivery_time)
    result = Plan(chat, local_day, due_at)
    weekday = local_day.weekday()
    if weekday in FREQUENCY_DAYS[Frequency(chat.frequency)]:
        tips = [t.id for t in rotation.tip_candidates(library, chat.topics)]
        pick = rotation.pick_next(
            tips, seen.get((chat.id, Kind.TIP), set()), chat_id=chat.id, cycle=chat.tip_cycle
        )
        if pick is not None:
            result.picks[Kind.TIP] = pick
    if food_day(chat, weekday):
        foods = [f.id for f in rotation.food_candidates(library, chat.diet)]
        pick = rotation.pick_next(
            foods,
            seen.get((chat.id, Kind.FOOD), set()),
            chat_id=chat.id,
            cycle=chat.food_cycle,
        )
        if pick is not None:
            result.picks[Kind.FOOD] = pick
    return result if result.picks else None


@dataclass
class Composition:
    """The messages of a batch's plans once the ledger has said which rows are new."""

    outgoing: dict[int, Outgoing] = field(default_factory=dict)
    shown: list[history.Shown] = field(default_factory=list)
    # Plans whose day was already in the ledger (another worker, or an earlier slot today).
    already_delivered: int = 0


def compose(
    library: Library,
    plans: Sequence[Plan],
    opened: dict[tuple[int, Kind], int],
    updates: dict[int, ChatUpdate],
) -> Composition:
    """Render each plan's message from the picks whose ledger row this claim wrote, and
    advance the chats' rotation cycles in `updates` accordingly."""
    result = Composition()
    for item in plans:
        chat = item.chat
        won = {kind: pick for kind, pick in item.picks.items() if (chat.id, kind) in opened}
        if not won:
            result.already_delivered += 1
            continue
        tip_pick, food_pick = won.get(Kind.TIP), won.get(Kind.FOOD)
        current = updates[chat.id]
        updates[chat.id] = ChatUpdate(
            chat.id,
            current.next_due_at,
            tip_pick.cycle if tip_pick else current.tip_cycle,
            food_pick.cycle if food_pick else current.food_cycle,
        )
        result.shown.extend(
            history.Shown(chat.id, kind, pick.item_id, pick.cycle) for kind, pick in won.items()
        )
        text = render(
            library,
            chat,
            library.tip(tip_pick.item_id) if tip_pick else None,
            library.food(food_pick.item_id) if food_pick else None,
        )
        ids = tuple(opened[(chat.id, kind)] for kind in won)
        result.outgoing[chat.id] = Outgoing(chat.id, text, ids, item.due_at)
    return result


def render(library: Library, chat: DueChat, tip: Tip | None, food: Food | None) -> str:
    profile = profile_of(chat.age_band, chat.sex, chat.life_stage, library.intake)
    return delivery_text(library, tip, food, profile)


def broadcast_messages(
    chats: Sequence[DueChat],
    rows: Sequence[OpenDelivery],
    texts: dict[int, str],
    now: dt.datetime,
) -> list[Outgoing]:
    """The messages of claimed broadcast rows whose chat still wants them.

    A chat that stopped, blocked the bot or paused since the queueing gets nothing;
    broadcasts have no catch-up window (they are not tied to anyone's local time).
    """
    by_chat = {chat.id: chat for chat in chats}
    outgoing: list[Outgoing] = []
    for row in rows:
        chat = by_chat[row.chat_id]
        body = texts.get(row.broadcast_id) if row.broadcast_id is not None else None
        if body is None or chat.status != chat_repo.Status.ACTIVE or paused(chat, now):
            continue
        outgoing.append(
            Outgoing(chat.id, broadcast_text(body), (row.id,), row.due_at, broadcast=True)
        )
    return outgoing
