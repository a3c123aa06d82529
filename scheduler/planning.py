"""What a claimed chat gets at its slot: pure functions of the chat, the content and the
time, so every rule here is unit-testable without a database or a Bot API.

The claim step (scheduler/claims.py) feeds these the chats it claimed and writes back
what they decide; the dispatch step (scheduler/dispatch.py) sends the `Outgoing` messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Protocol
from zoneinfo import ZoneInfo

from content import Food, Library, Tip
from content.schedule import FREQUENCY_DAYS, Frequency
from runtime.signing import CallbackCodec
from scheduler import rotation
from scheduler.buttons import (
    LATER_AGAIN_HEADING,
    WEEKLY_QUIZ_HEADING,
    KeyboardJSON,
    quiz_message,
    tip_keyboard_json,
)
from scheduler.render import broadcast_text, delivery_text, profile_of
from scheduler.schedule import (
    later_due_at,
    local_date_of,
    next_regular_slot,
    quiet_until,
    slot_day,
    slot_time,
)
from storage import chats as chat_repo
from storage import history
from storage.deliveries import ChatUpdate, DueChat, Kind, OpenDelivery
from storage.learning import QuizRound


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
    """One message to send: a chat's tip and/or food idea, its quiz question, its tip sent
    again, or a broadcast, and the ledger rows it settles."""

    chat_id: int
    text: str
    ledger_ids: tuple[int, ...]
    due_at: dt.datetime
    # A broadcast message: not tied to a local time, so it has no lateness to report.
    broadcast: bool = False
    # Telegram's JSON for the message's inline keyboard (the engine sends it as is).
    reply_markup: KeyboardJSON | None = None
    # The message's place among the chat's messages of one batch (the tip 0, its quiz 1):
    # the dispatcher sends a chat's messages in this order, never at once.
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class LaterPlan:
    """A tip the chat asked to see again, due now."""

    tip_id: str
    local_date: dt.date
    due_at: dt.datetime


@dataclass
class Plan:
    """What a claimed chat gets now, before the ledger has had its say: the slot's tip and
    food picks and quiz (when a daily slot is due), and a Later that has come."""

    chat: DueChat
    local_date: dt.date
    due_at: dt.datetime
    picks: dict[Kind, rotation.Pick] = field(default_factory=dict)
    # Questions of the weekly quiz to start (0: no quiz in this slot).
    quiz_size: int = 0
    later: LaterPlan | None = None

    @property
    def kinds(self) -> list[Kind]:
        """The ledger rows this plan asks for."""
        kinds = list(self.picks)
        if self.quiz_size:
            kinds.append(Kind.QUIZ)
        if self.later is not None:
            kinds.append(Kind.LATER)
        return kinds


def paused(chat: DueChat, now: dt.datetime) -> bool:
    return chat.paused_indefinitely or (chat.paused_until is not None and chat.paused_until > now)


def food_day(chat: DueChat, weekday: int) -> bool:
    if chat.food_mode == "with_tip":
        return weekday in FREQUENCY_DAYS[Frequency(chat.frequency)]
    return chat.food_mode == "weekly" and weekday == chat.food_weekday


def _next_slot(chat: DueChat, after: dt.datetime) -> dt.datetime:
    return next_regular_slot(chat, after)


def next_due(chat: DueChat, now: dt.datetime, *, later: bool = True) -> dt.datetime:
    """The chat's first slot after `now` (after its pause, if it is paused), or its pending
    Later if that comes first; `later=False` once this claim has dealt with the Later."""
    after = now
    if chat.paused_until is not None and chat.paused_until > now:
        after = chat.paused_until
    slot = _next_slot(chat, after)
    pending = later_due_at(chat) if later else None
    return slot if pending is None else min(slot, pending)


def slot_to_send(
    chat: DueChat, now: dt.datetime, catchup_window: dt.timedelta
) -> dt.datetime | None:
    """The slot a due chat is sent now: the latest of its slots from its stored due time up
    to `now` that is still inside the catch-up window, or None if every one is older.

    After an outage of any length the most recent timely slot is still sent and only older
    ones are missed; with a window over a day, older slots inside it are missed too (one
    message, not a backlog). The stored due time may be a Later's rather than a slot: the
    slots then start at the first one at or after it, so a Later never brings the next
    daily tip forward.
    """
    assert chat.next_due_at is not None
    oldest = now - catchup_window
    slot = chat.next_due_at
    if slot < oldest or slot in (chat.later_at, later_due_at(chat)):
        # The first slot at or after it (next_slot is strictly after).
        slot = _next_slot(chat, max(slot, oldest) - dt.timedelta(microseconds=1))
    if slot > now:
        return None
    while (later := _next_slot(chat, slot)) <= now:
        slot = later
    return slot


class LaterFate(Enum):
    NONE = "none"  # no Later pending
    WAITING = "waiting"  # its time has not come
    DUE = "due"  # send it now
    DROPPED = "dropped"  # paused when it came, or too late to catch up: forget it


def later_fate(chat: DueChat, now: dt.datetime, catchup_window: dt.timedelta) -> LaterFate:
    at = later_due_at(chat)
    if at is None:
        return LaterFate.NONE
    if at > now:
        return LaterFate.WAITING
    if chat.later_tip_id is None or paused(chat, now) or at < now - catchup_window:
        return LaterFate.DROPPED
    return LaterFate.DUE


def plan(
    library: Library,
    chat: DueChat,
    now: dt.datetime,
    seen: dict[tuple[int, Kind], set[str]],
    catchup_window: dt.timedelta,
) -> Plan | None:
    """What a due chat gets now, or None: paused, too late or nothing to send.

    A daily slot brings the tip and food idea of its day and, on the quiz day, the weekly
    quiz; a Later whose time has come brings its tip again. Either may come alone.
    """
    if paused(chat, now):
        return None
    tz = ZoneInfo(chat.timezone)
    later: LaterPlan | None = None
    if later_fate(chat, now, catchup_window) is LaterFate.DUE:
        assert chat.later_tip_id is not None
        later_at = later_due_at(chat)
        assert later_at is not None
        if library.has_tip(chat.later_tip_id):
            later = LaterPlan(chat.later_tip_id, local_date_of(later_at, tz), later_at)
    due_at = slot_to_send(chat, now, catchup_window)
    if due_at is None:
        if later is None:
            return None
        return Plan(chat, later.local_date, later.due_at, later=later)
    local_day = slot_day(due_at, tz, slot_time(chat))
    result = Plan(chat, local_day, due_at, later=later)
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
    if chat.quiz_size > 0 and weekday == chat.quiz_weekday:
        result.quiz_size = chat.quiz_size
    return result if result.kinds else None


def quiz_requests(
    plans: Sequence[Plan], opened: dict[tuple[int, Kind], int]
) -> list[tuple[int, dt.date, int]]:
    """The weekly quizzes to start: (chat, local date, size) of each plan whose quiz row this
    claim wrote (a row already there means the day's quiz was started before)."""
    return [
        (p.chat.id, p.local_date, p.quiz_size)
        for p in plans
        if p.quiz_size and (p.chat.id, Kind.QUIZ) in opened
    ]


@dataclass
class Composition:
    """The messages of a batch's plans once the ledger has said which rows are new."""

    outgoing: list[Outgoing] = field(default_factory=list)
    shown: list[history.Shown] = field(default_factory=list)
    # Plans whose day was already in the ledger (another worker, or an earlier slot today).
    already_delivered: int = 0

    @property
    def chats(self) -> set[int]:
        return {o.chat_id for o in self.outgoing}


def compose(
    library: Library,
    codec: CallbackCodec,
    plans: Sequence[Plan],
    opened: dict[tuple[int, Kind], int],
    updates: dict[int, ChatUpdate],
    rounds: dict[int, QuizRound] | None = None,
) -> Composition:
    """Render each plan's messages from the rows this claim wrote, and advance the chats'
    rotation cycles in `updates` accordingly.

    A chat may get up to three messages, in this order: the tip and/or food idea, the
    weekly quiz's first question (`rounds`: started for the quiz rows this claim wrote),
    and a tip it asked to see again. Each message settles its own ledger rows.
    """
    rounds = rounds or {}
    result = Composition()
    for item in plans:
        chat = item.chat
        won = {kind: pick for kind, pick in item.picks.items() if (chat.id, kind) in opened}
        messages: list[Outgoing] = []
        if won:
            tip_pick, food_pick = won.get(Kind.TIP), won.get(Kind.FOOD)
            current = updates[chat.id]
            updates[chat.id] = replace(
                current,
                tip_cycle=tip_pick.cycle if tip_pick else current.tip_cycle,
                food_cycle=food_pick.cycle if food_pick else current.food_cycle,
            )
            result.shown.extend(
                history.Shown(chat.id, kind, pick.item_id, pick.cycle) for kind, pick in won.items()
            )
            tip = library.tip(tip_pick.item_id) if tip_pick else None
            food = library.food(food_pick.item_id) if food_pick else None
            ids = tuple(opened[(chat.id, kind)] for kind in won)
            messages.append(slot_message(library, codec, chat, tip, food, ids, item.due_at))
        quiz_row = opened.get((chat.id, Kind.QUIZ))
        if quiz_row is not None and chat.id in rounds:
            messages.append(
                quiz_outgoing(library, codec, chat.id, rounds[chat.id], quiz_row, item.due_at)
            )
        later_row = opened.get((chat.id, Kind.LATER))
        if later_row is not None and item.later is not None:
            tip = library.tip(item.later.tip_id)
            messages.append(later_message(library, codec, chat, tip, later_row, item.later.due_at))
        if not messages:
            result.already_delivered += 1
            continue
        result.outgoing.extend(replace(m, sequence=n) for n, m in enumerate(messages))
    return result


def slot_message(
    library: Library,
    codec: CallbackCodec,
    chat: DueChat,
    tip: Tip | None,
    food: Food | None,
    ledger_ids: tuple[int, ...],
    due_at: dt.datetime,
) -> Outgoing:
    """A daily slot's message: the tip (with its buttons) and/or the food idea."""
    markup = tip_keyboard_json(codec, chat.id, tip.id) if tip is not None else None
    text = render(library, chat, tip, food)
    return Outgoing(chat.id, text, ledger_ids, due_at, reply_markup=markup)


def quiz_outgoing(
    library: Library,
    codec: CallbackCodec,
    chat_id: int,
    round: QuizRound,
    ledger_id: int,
    due_at: dt.datetime,
) -> Outgoing:
    """The weekly quiz's current question, with its answer buttons."""
    text, markup = quiz_message(codec, chat_id, round, library, heading=WEEKLY_QUIZ_HEADING)
    return Outgoing(chat_id, text, (ledger_id,), due_at, reply_markup=markup.to_dict())


def later_message(
    library: Library,
    codec: CallbackCodec,
    chat: DueChat,
    tip: Tip,
    ledger_id: int,
    due_at: dt.datetime,
) -> Outgoing:
    """A tip sent again as asked: no Later button this time, so it cannot bounce all day."""
    text = f"{LATER_AGAIN_HEADING}\n\n{render(library, chat, tip, None)}"
    markup = tip_keyboard_json(codec, chat.id, tip.id, later=False)
    return Outgoing(chat.id, text, (ledger_id,), due_at, reply_markup=markup)


def render(library: Library, chat: DueChat, tip: Tip | None, food: Food | None) -> str:
    profile = profile_of(chat.age_band, chat.sex, chat.life_stage, library.intake)
    return delivery_text(library, tip, food, profile)


def quiet_hours_end(chat: DueChat, now: dt.datetime) -> dt.datetime | None:
    """When the chat's quiet hours end, if `now` is inside them."""
    return quiet_until(now, ZoneInfo(chat.timezone), chat.quiet_start, chat.quiet_end)


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
