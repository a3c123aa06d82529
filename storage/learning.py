"""Quizzes, spaced repetition cards, tip buttons and the learning figures built on them.

The rules (which questions, what a right answer does to a card, what counts for a streak)
are pure and live in content.repetition; this module stores and loads what they need.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, cast

from sqlalchemy import Table, case, distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.library import Library
from content.repetition import Card, after_answer, choose, streak
from storage.deliveries import Kind, LedgerStatus, dialect_insert
from storage.models import (
    Chat,
    ContentHistory,
    Delivery,
    LearningDay,
    QuizAnswer,
    QuizCard,
    TipReaction,
)
from storage.models import QuizRound as QuizRoundRow

# A round's buttons stop working a week after it started: by then the next weekly quiz
# has replaced it anyway, and an answer to an old question would skew its card.
ROUND_TTL: Final = dt.timedelta(days=7)
# Deliveries that give the chat something to act on; a day with one of them and no action
# breaks a streak.
STREAK_KINDS: Final = (str(Kind.TIP), str(Kind.QUIZ), str(Kind.LATER))
# A question is flagged for the content team once enough people answered it and most got
# it wrong: the question or its options are probably unclear.
CONFUSING_MIN_ANSWERS: Final = 5
CONFUSING_RATE: Final = 0.5
# learning_stats reads this many days back for the streak buckets (the top bucket is 14+).
STATS_STREAK_DAYS: Final = 60
PROGRESS_WEEKS: Final = 8

_rounds = cast(Table, QuizRoundRow.__table__)
_answers = cast(Table, QuizAnswer.__table__)
_cards = cast(Table, QuizCard.__table__)
_days = cast(Table, LearningDay.__table__)
_reactions = cast(Table, TipReaction.__table__)


class Source(StrEnum):
    SCHEDULED = "scheduled"
    COMMAND = "command"


class RoundStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class QuizRound:
    id: int
    chat_id: int
    quiz_ids: tuple[str, ...]
    # Index of the question waiting for an answer; len(quiz_ids) once all are answered.
    position: int
    correct: int
    source: Source
    status: str
    local_date: dt.date


_ROUND_COLUMNS = (
    _rounds.c.id,
    _rounds.c.chat_id,
    _rounds.c.quiz_ids,
    _rounds.c.position,
    _rounds.c.correct,
    _rounds.c.source,
    _rounds.c.status,
    _rounds.c.local_date,
)


def _round(row: Any) -> QuizRound:
    return QuizRound(
        id=row.id,
        chat_id=row.chat_id,
        quiz_ids=tuple(row.quiz_ids),
        position=row.position,
        correct=row.correct,
        source=Source(row.source),
        status=row.status,
        local_date=row.local_date,
    )


# ----------------------------------------------------------------------------- rounds


async def start_round(
    session: AsyncSession,
    chat_id: int,
    local_date: dt.date,
    size: int,
    library: Library,
    *,
    source: Source,
) -> QuizRound | None:
    """Start a round of up to `size` questions, expiring the chat's other open rounds.

    None when no question is available (no tip received yet, or, for the scheduled quiz,
    nothing due and nothing new) or the chat is unknown; nothing is changed then. /quiz
    (Source.COMMAND) may also ask cards that are not due yet.
    """
    rounds = await _start(session, [(chat_id, local_date, size)], library, source)
    return rounds.get(chat_id)


async def start_rounds(
    session: AsyncSession, requests: Sequence[tuple[int, dt.date, int]], library: Library
) -> dict[int, QuizRound]:
    """The weekly quiz for many chats at once: (chat id, local date, size) each.

    Returns the rounds started by chat id; chats without a question to ask are left out.
    A fixed handful of statements whatever the number of chats.
    """
    return await _start(session, requests, library, Source.SCHEDULED)


async def _start(
    session: AsyncSession,
    requests: Sequence[tuple[int, dt.date, int]],
    library: Library,
    source: Source,
) -> dict[int, QuizRound]:
    wanted = {chat_id: (local_date, size) for chat_id, local_date, size in requests if size > 0}
    if not wanted:
        return {}
    # The chats' row locks make two rounds started at once (a double /quiz) one after the
    # other, so the second expires the first.
    ids = await _lock_chats(session, list(wanted))
    cards = await _cards_of(session, ids)
    tips = await _received_tips(session, ids)
    chosen: dict[int, tuple[dt.date, list[str]]] = {}
    for chat_id in ids:
        local_date, size = wanted[chat_id]
        quiz_ids = choose(
            cards.get(chat_id, []),
            tips.get(chat_id, []),
            library,
            local_date,
            size,
            practice=source is Source.COMMAND,
        )
        if quiz_ids:
            chosen[chat_id] = (local_date, quiz_ids)
    return await _insert_rounds(session, chosen, source)


async def _lock_chats(session: AsyncSession, chat_ids: Sequence[int]) -> list[int]:
    """Lock the chats' rows (PostgreSQL) in id order, so two callers cannot deadlock;
    returns the ids that exist."""
    query = select(Chat.id).where(Chat.id.in_(chat_ids)).order_by(Chat.id).with_for_update()
    return list(await session.scalars(query))


async def _insert_rounds(
    session: AsyncSession, chosen: dict[int, tuple[dt.date, list[str]]], source: Source
) -> dict[int, QuizRound]:
    if not chosen:
        return {}
    # One open round per chat: buttons of an older round go dead once a new one starts.
    await session.execute(
        update(_rounds)
        .where(
            _rounds.c.chat_id.in_(list(chosen)),
            _rounds.c.status == str(RoundStatus.OPEN),
        )
        .values(status=str(RoundStatus.EXPIRED))
    )
    rows = [
        {
            "chat_id": chat_id,
            "quiz_ids": quiz_ids,
            "position": 0,
            "correct": 0,
            "source": str(source),
            "status": str(RoundStatus.OPEN),
            "local_date": local_date,
        }
        for chat_id, (local_date, quiz_ids) in chosen.items()
    ]
    # Keyed by the returned chat id, so the backend may return the rows in any order (and
    # batch them: asking for parameter order makes SQLite insert one row per statement).
    result = await session.execute(_rounds.insert().returning(*_ROUND_COLUMNS), rows)
    return {r.chat_id: r for r in map(_round, result)}


async def _cards_of(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, list[Card]]:
    found: dict[int, list[Card]] = defaultdict(list)
    query = select(
        _cards.c.chat_id,
        _cards.c.quiz_id,
        _cards.c.box,
        _cards.c.due_on,
        _cards.c.answered,
        _cards.c.correct,
    ).where(_cards.c.chat_id.in_(list(chat_ids)))
    for row in await session.execute(query):
        found[row.chat_id].append(Card(row.quiz_id, row.box, row.due_on, row.answered, row.correct))
    return found


async def _received_tips(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tips each chat has been sent, in any rotation cycle, oldest first, once each."""
    found: dict[int, dict[str, None]] = defaultdict(dict)
    query = (
        select(ContentHistory.chat_id, ContentHistory.item_id)
        .where(
            ContentHistory.chat_id.in_(list(chat_ids)),
            ContentHistory.kind == str(Kind.TIP),
        )
        .order_by(ContentHistory.chat_id, ContentHistory.id)
    )
    for chat_id, item_id in await session.execute(query):
        found[chat_id].setdefault(item_id, None)
    return {chat_id: list(tips) for chat_id, tips in found.items()}


# ---------------------------------------------------------------------------- answers


class AnswerOutcome(StrEnum):
    RECORDED = "recorded"
    # This question of the round was answered already (a double tap, or a second person).
    ALREADY = "already"
    # The round is over, was replaced by a newer one, or is older than ROUND_TTL.
    EXPIRED = "expired"
    # No such round in this chat, or a position or option it does not have.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    outcome: AnswerOutcome
    # The round as it stands after this answer (position advanced, status "done" after
    # the last question); the stored round for ALREADY and EXPIRED; None for UNKNOWN.
    round: QuizRound | None
    quiz_id: str | None = None
    chosen: int | None = None
    right: bool | None = None


async def answer(
    session: AsyncSession,
    chat_id: int,
    round_id: int,
    position: int,
    option: int,
    *,
    user_id: int | None,
    local_date: dt.date,
    library: Library,
) -> Answer:
    """Record the answer `option` to question `position` of a round.

    The round, the answer row, the question's card and the day's learning mark change
    together. Of two taps at once (on PostgreSQL even from two processes) exactly one is
    RECORDED: the round only advances with a conditional UPDATE naming the position it
    expects, and the answer row is unique per (round, position).
    """
    row = (
        await session.execute(
            select(*_ROUND_COLUMNS).where(_rounds.c.id == round_id, _rounds.c.chat_id == chat_id)
        )
    ).first()
    if row is None:
        return Answer(AnswerOutcome.UNKNOWN, None)
    stored = _round(row)
    if not 0 <= position < len(stored.quiz_ids):
        return Answer(AnswerOutcome.UNKNOWN, None)
    quiz_id = stored.quiz_ids[position]
    if position < stored.position:
        return Answer(AnswerOutcome.ALREADY, stored, quiz_id)
    if stored.status != RoundStatus.OPEN or local_date - stored.local_date > ROUND_TTL:
        return Answer(AnswerOutcome.EXPIRED, stored, quiz_id)
    if position > stored.position:
        # Its buttons are only sent once the question before is answered.
        return Answer(AnswerOutcome.UNKNOWN, None)
    try:
        quiz = library.quiz(quiz_id)
    except KeyError:
        # The question left the content since the round started.
        return Answer(AnswerOutcome.EXPIRED, stored, quiz_id)
    if not 0 <= option < len(quiz.options):
        return Answer(AnswerOutcome.UNKNOWN, None)
    right = option == quiz.correct

    last = len(stored.quiz_ids) - 1
    advanced = (
        await session.execute(
            update(_rounds)
            .where(
                _rounds.c.id == round_id,
                _rounds.c.chat_id == chat_id,
                _rounds.c.status == str(RoundStatus.OPEN),
                _rounds.c.position == position,
            )
            .values(
                position=_rounds.c.position + 1,
                correct=_rounds.c.correct + int(right),
                status=str(RoundStatus.DONE if position >= last else RoundStatus.OPEN),
            )
            .returning(*_ROUND_COLUMNS)
        )
    ).first()
    if advanced is None:
        # Another tap got there first, or a new round expired this one meanwhile.
        current = (
            await session.execute(select(*_ROUND_COLUMNS).where(_rounds.c.id == round_id))
        ).first()
        now = _round(current) if current is not None else stored
        if now.position > position:
            return Answer(AnswerOutcome.ALREADY, now, quiz_id)
        return Answer(AnswerOutcome.EXPIRED, now, quiz_id)

    await session.execute(
        _answers.insert().values(
            chat_id=chat_id,
            round_id=round_id,
            position=position,
            quiz_id=quiz_id,
            chosen=option,
            correct=right,
            user_id=user_id,
            local_date=local_date,
        )
    )
    await _update_card(session, chat_id, quiz_id, right, local_date)
    await _mark_day(session, chat_id, local_date)
    return Answer(AnswerOutcome.RECORDED, _round(advanced), quiz_id, option, right)


async def _update_card(
    session: AsyncSession, chat_id: int, quiz_id: str, right: bool, today: dt.date
) -> None:
    existing = (
        await session.execute(
            select(_cards.c.box, _cards.c.due_on, _cards.c.answered, _cards.c.correct)
            .where(_cards.c.chat_id == chat_id, _cards.c.quiz_id == quiz_id)
            .with_for_update()
        )
    ).first()
    card = (
        Card(quiz_id, existing.box, existing.due_on, existing.answered, existing.correct)
        if existing is not None
        else None
    )
    new = after_answer(card, quiz_id, right, today)
    values = {
        "box": new.box,
        "due_on": new.due_on,
        "answered": new.answered,
        "correct": new.correct,
    }
    statement = dialect_insert(session, _cards).values(
        chat_id=chat_id, quiz_id=quiz_id, updated_at=func.now(), **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["chat_id", "quiz_id"], set_={**values, "updated_at": func.now()}
        )
    )


async def _mark_day(session: AsyncSession, chat_id: int, local_date: dt.date) -> None:
    statement = dialect_insert(session, _days).values(chat_id=chat_id, local_date=local_date)
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["chat_id", "local_date"])
    )


# ------------------------------------------------------------------------ tip buttons


class TipAction(StrEnum):
    VOTE = "vote"
    MORE = "more"
    LATER = "later"


class Recorded(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    UNKNOWN_CHAT = "unknown_chat"


async def record_tip_action(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    tip_id: str,
    action: TipAction,
    *,
    helpful: bool | None = None,
    user_id: int | None,
    local_date: dt.date,
) -> Recorded:
    """Store a button pressed under a tip message; only the first of each action per
    message counts (a double tap, or a second person in a group, stores nothing).

    A recorded action also makes `local_date` a learning day for the streak.
    """
    if await session.get(Chat, chat_id) is None:
        return Recorded.UNKNOWN_CHAT
    statement = (
        dialect_insert(session, _reactions)
        .values(
            chat_id=chat_id,
            message_id=message_id,
            tip_id=tip_id,
            action=str(action),
            helpful=helpful if action is TipAction.VOTE else None,
            user_id=user_id,
            local_date=local_date,
        )
        .on_conflict_do_nothing(index_elements=["chat_id", "message_id", "action"])
        .returning(_reactions.c.id)
    )
    if (await session.execute(statement)).first() is None:
        return Recorded.ALREADY
    await _mark_day(session, chat_id, local_date)
    return Recorded.RECORDED


async def set_later(session: AsyncSession, chat_id: int, tip_id: str, at: dt.datetime) -> bool:
    """Have the scheduler send `tip_id` again at `at`; False if the chat is not active.

    The chat's next slot moves to `at` when that is earlier, so the engine looks at the
    chat in time; a later slot is left alone (the engine reschedules after the resend).
    """
    chat = await session.get(Chat, chat_id, with_for_update=True)
    if chat is None or chat.status != "active":
        return False
    chat.later_tip_id = tip_id
    chat.later_at = at
    if chat.next_due_at is None or at < chat.next_due_at:
        chat.next_due_at = at
    return True


async def later_sent_on(session: AsyncSession, chat_id: int, local_date: dt.date) -> bool:
    """True when the chat already had a tip sent again on `local_date`: the ledger keeps one
    such resend per local day, so another Later for that day would never arrive."""
    found = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.local_date == local_date,
            Delivery.kind == str(Kind.LATER),
            Delivery.broadcast_id.is_(None),
        )
    )
    return bool(found)


async def clear_later(session: AsyncSession, chat_id: int) -> None:
    await session.execute(
        update(Chat)
        .where(Chat.id == chat_id)
        .values(later_tip_id=None, later_at=None)
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class WeekStat:
    start: dt.date
    answered: int
    correct: int
    active_days: int
    # Distinct tips with a button pressed that week.
    tips_acted: int


@dataclass(frozen=True)
class Progress:
    streak: int
    quizzes_answered: int
    correct: int
    # Topic -> (right, answered).
    by_topic: dict[str, tuple[int, int]]
    tips_seen: int
    # Tips of the chat's topics, plus any seen outside them (topics changed since).
    tips_total: int
    # PROGRESS_WEEKS weeks, oldest first, each 7 days; the last ends today.
    weeks: list[WeekStat]
    # When the next question is due for review (today if one is due already); None
    # without cards.
    next_review: dt.date | None


async def progress(
    session: AsyncSession, chat_id: int, today: dt.date, library: Library
) -> Progress:
    """One chat's learning figures for /progress (zeros for an unknown chat)."""
    first_day = today - dt.timedelta(days=7 * PROGRESS_WEEKS - 1)
    active = set(
        (await session.scalars(select(_days.c.local_date).where(_days.c.chat_id == chat_id))).all()
    )
    delivered = await _delivery_days(session, Delivery.chat_id == chat_id)
    answers = (
        await session.execute(
            select(_answers.c.quiz_id, _answers.c.correct, _answers.c.local_date).where(
                _answers.c.chat_id == chat_id
            )
        )
    ).all()
    reactions = (
        await session.execute(
            select(_reactions.c.tip_id, _reactions.c.local_date).where(
                _reactions.c.chat_id == chat_id, _reactions.c.local_date >= first_day
            )
        )
    ).all()
    seen_tips = set((await _received_tips(session, [chat_id])).get(chat_id, []))
    topics = await session.scalar(select(Chat.topics).where(Chat.id == chat_id)) or []
    next_due = await session.scalar(
        select(func.min(_cards.c.due_on)).where(_cards.c.chat_id == chat_id)
    )

    by_topic: dict[str, list[int]] = {}
    for quiz_id, right, _day in answers:
        try:
            topic = str(library.tip(library.quiz(quiz_id).tip).topic)
        except KeyError:
            continue
        counts = by_topic.setdefault(topic, [0, 0])
        counts[0] += int(bool(right))
        counts[1] += 1

    weeks = []
    for index in range(PROGRESS_WEEKS):
        start = first_day + dt.timedelta(days=7 * index)
        end = start + dt.timedelta(days=6)
        week_answers = [bool(right) for _q, right, day in answers if start <= day <= end]
        weeks.append(
            WeekStat(
                start=start,
                answered=len(week_answers),
                correct=sum(week_answers),
                active_days=sum(1 for day in active if start <= day <= end),
                tips_acted=len({tip for tip, day in reactions if start <= day <= end}),
            )
        )

    library_tips = {tip.id for tip in library.tips}
    seen = seen_tips & library_tips
    in_topics = {tip.id for tip in library.tips if str(tip.topic) in set(topics)}
    return Progress(
        streak=streak(active, delivered.get(chat_id, set()), today),
        quizzes_answered=len(answers),
        correct=sum(1 for _q, right, _d in answers if right),
        by_topic={topic: (c[0], c[1]) for topic, c in sorted(by_topic.items())},
        tips_seen=len(seen),
        tips_total=len(in_topics | seen),
        weeks=weeks,
        next_review=max(next_due, today) if next_due is not None else None,
    )


async def _delivery_days(session: AsyncSession, *where: Any) -> dict[int, set[dt.date]]:
    """Local days on which each chat selected by `where` was sent a tip, a quiz or a tip
    again."""
    query = (
        select(Delivery.chat_id, Delivery.local_date)
        .where(Delivery.status == str(LedgerStatus.SENT), Delivery.kind.in_(STREAK_KINDS), *where)
        .distinct()
    )
    found: dict[int, set[dt.date]] = defaultdict(set)
    for chat_id, day in await session.execute(query):
        found[chat_id].add(day)
    return found


# ------------------------------------------------------------------------ admin stats


@dataclass(frozen=True)
class TipRate:
    tip_id: str
    sent: int
    up: int
    down: int
    more: int
    later: int


@dataclass(frozen=True)
class QuestionStat:
    quiz_id: str
    answered: int
    correct: int
    # Answered at least CONFUSING_MIN_ANSWERS times and mostly wrong.
    confusing: bool


@dataclass(frozen=True)
class LearningStats:
    # Every tip sent or reacted to, in library order (ids no longer in it last).
    tips: list[TipRate]
    # Every question answered, the most missed first.
    questions: list[QuestionStat]
    # Chats that acted on at least one of the last 7 days.
    weekly_active: int
    # Active chats by current streak: "0", "1-2", "3-6", "7-13", "14+".
    streaks: dict[str, int]


STREAK_BUCKETS: Final = (("0", 0), ("1-2", 1), ("3-6", 3), ("7-13", 7), ("14+", 14))


def streak_bucket(days: int) -> str:
    name = STREAK_BUCKETS[0][0]
    for label, low in STREAK_BUCKETS:
        if days >= low:
            name = label
    return name


async def learning_stats(session: AsyncSession, library: Library, today: dt.date) -> LearningStats:
    """Figures for the admin's /stats, in a handful of queries whatever the chat count.

    Streaks are computed from the last STATS_STREAK_DAYS days only, which is plenty to
    tell the buckets apart, with `today` as every chat's today.
    """
    sent_query = (
        select(Delivery.item_id, func.count())
        .where(
            Delivery.kind == str(Kind.TIP),
            Delivery.status == str(LedgerStatus.SENT),
            Delivery.item_id.is_not(None),
        )
        .group_by(Delivery.item_id)
    )
    sent = {str(tip_id): int(count) for tip_id, count in await session.execute(sent_query)}
    reactions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grouped = select(
        _reactions.c.tip_id, _reactions.c.action, _reactions.c.helpful, func.count()
    ).group_by(_reactions.c.tip_id, _reactions.c.action, _reactions.c.helpful)
    for tip_id, action, helpful, count in await session.execute(grouped):
        key = ("up" if helpful else "down") if action == str(TipAction.VOTE) else action
        reactions[tip_id][key] += count
    order = {tip.id: index for index, tip in enumerate(library.tips)}
    tip_ids = sorted(set(sent) | set(reactions), key=lambda t: (order.get(t, len(order)), t))
    tips = [
        TipRate(
            tip_id=tip_id,
            sent=sent.get(tip_id, 0),
            up=reactions[tip_id]["up"],
            down=reactions[tip_id]["down"],
            more=reactions[tip_id][str(TipAction.MORE)],
            later=reactions[tip_id][str(TipAction.LATER)],
        )
        for tip_id in tip_ids
    ]

    right = func.sum(case((_answers.c.correct, 1), else_=0))
    questions = [
        QuestionStat(
            quiz_id=quiz_id,
            answered=int(answered),
            correct=int(correct or 0),
            confusing=answered >= CONFUSING_MIN_ANSWERS
            and (correct or 0) / answered < CONFUSING_RATE,
        )
        for quiz_id, answered, correct in await session.execute(
            select(_answers.c.quiz_id, func.count(), right).group_by(_answers.c.quiz_id)
        )
    ]
    questions.sort(key=lambda q: (q.correct / q.answered, -q.answered, q.quiz_id))

    week_start = today - dt.timedelta(days=6)
    weekly_active = int(
        await session.scalar(
            select(func.count(distinct(_days.c.chat_id))).where(_days.c.local_date >= week_start)
        )
        or 0
    )

    since = today - dt.timedelta(days=STATS_STREAK_DAYS)
    active_chats = list(await session.scalars(select(Chat.id).where(Chat.status == "active")))
    acted: dict[int, set[dt.date]] = defaultdict(set)
    days_query = (
        select(_days.c.chat_id, _days.c.local_date)
        .join(Chat, Chat.id == _days.c.chat_id)
        .where(Chat.status == "active", _days.c.local_date >= since)
    )
    for chat_id, day in await session.execute(days_query):
        acted[chat_id].add(day)
    # A chat that did nothing in the window has a streak of 0 whatever it was sent: only
    # the deliveries of chats that acted are read.
    acting = select(_days.c.chat_id).where(_days.c.local_date >= since).distinct()
    delivered = await _delivery_days(
        session, Delivery.local_date >= since, Delivery.chat_id.in_(acting)
    )
    streaks = {label: 0 for label, _low in STREAK_BUCKETS}
    for chat_id in active_chats:
        days = acted.get(chat_id, set())
        count = streak(days, delivered.get(chat_id, set()), today) if days else 0
        streaks[streak_bucket(count)] += 1
    return LearningStats(
        tips=tips, questions=questions, weekly_active=weekly_active, streaks=streaks
    )


async def rounds_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, QuizRound]:
    """Rounds by id (the scheduler rebuilds a quiz message it claimed but never sent)."""
    if not ids:
        return {}
    rows = await session.execute(select(*_ROUND_COLUMNS).where(_rounds.c.id.in_(list(ids))))
    return {r.id: r for r in map(_round, rows)}
