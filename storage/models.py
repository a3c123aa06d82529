"""Database tables.

One row per Telegram chat holds the subscription and every preference, so that the
delivery engine can find who is due with a single indexed query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching ``where`` only, the same on PostgreSQL and SQLite."""
    return Index(
        name,
        *columns,
        unique=unique,
        postgresql_where=text(where),
        sqlite_where=text(where),
    )


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zone type and hands back naive values; normalising here means the
    rest of the code can compare instants without caring which database it runs on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Chat(Base):
    """A private chat or a group, with its subscription and preferences."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    # Subscription state: "active", "stopped" (by /stop) or "blocked" (Telegram said 403).
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    paused_indefinitely: Mapped[bool] = mapped_column(Boolean, default=False)

    timezone: Mapped[str] = mapped_column(String(64))
    delivery_time: Mapped[dt.time] = mapped_column(Time)
    frequency: Mapped[str] = mapped_column(String(16), default="daily")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    diet: Mapped[list[str]] = mapped_column(JSON, default=list)
    food_mode: Mapped[str] = mapped_column(String(16), default="with_tip")
    food_weekday: Mapped[int] = mapped_column(Integer, default=0)
    age_band: Mapped[str | None] = mapped_column(String(8), default=None)
    sex: Mapped[str | None] = mapped_column(String(8), default=None)
    life_stage: Mapped[str | None] = mapped_column(String(16), default=None)

    # The settings menu: only buttons of the newest menu (this version) are honoured, and a
    # typed answer is expected while `awaiting` names the question and who was asked.
    menu_version: Mapped[int] = mapped_column(Integer, default=0)
    menu_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    awaiting: Mapped[str | None] = mapped_column(String(16), default=None)
    awaiting_user_id: Mapped[int | None] = mapped_column(BigInteger, default=None)

    # Delivery schedule: the next local slot as a UTC instant, kept by the scheduler.
    next_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    tip_cycle: Mapped[int] = mapped_column(Integer, default=1)
    food_cycle: Mapped[int] = mapped_column(Integer, default=1)

    # Learning: the weekly quiz (day 0 = Monday, size 0 = no scheduled quiz), quiet hours
    # in local time (both NULL = none; the window may wrap midnight) and a tip the person
    # asked to see again later. Server defaults fill the rows that existed before them.
    quiz_weekday: Mapped[int] = mapped_column(Integer, default=6, server_default=text("6"))
    quiz_size: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    quiet_start: Mapped[dt.time | None] = mapped_column(Time, default=None)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time, default=None)
    later_tip_id: Mapped[str | None] = mapped_column(String(64), default=None)
    later_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        # The delivery engine's due query only ever looks at active chats.
        _partial_index("ix_chats_due", "next_due_at", where="status = 'active'"),
    )


class Broadcast(Base):
    """An admin's /broadcast: a draft until confirmed, then one ledger row per recipient."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The message body as Telegram HTML (the admin's own formatting kept).
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())
    # "draft" (previewed), "queued" (confirmed: its ledger rows exist) or "cancelled".
    status: Mapped[str] = mapped_column(String(16), default="draft")
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Recipients: as previewed while a draft, as queued once confirmed.
    audience: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(Base):
    """The ledger: at most one tip and one food suggestion per chat per local day, and at
    most one message per chat per broadcast."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    local_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())
    # A `retry` row waits until then before a tick sends it again.
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set on a broadcast's rows only; NULL on the daily tip and food rows.
    broadcast_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("broadcasts.id", ondelete="CASCADE"), default=None
    )

    __table_args__ = (
        # One tip and one food per chat and local day; broadcasts are keyed apart, so two
        # on one day both reach a chat.
        _partial_index(
            "uq_deliveries_daily",
            "chat_id",
            "local_date",
            "kind",
            where="broadcast_id IS NULL",
            unique=True,
        ),
        # Broadcast first: it also serves a broadcast's progress counts.
        _partial_index(
            "uq_deliveries_broadcast",
            "broadcast_id",
            "chat_id",
            where="broadcast_id IS NOT NULL",
            unique=True,
        ),
        # Recovery after a crash looks for unfinished rows only; they are a handful at most.
        _partial_index("ix_deliveries_open", "chat_id", where="status IN ('claimed', 'sending')"),
        # Broadcast rows waiting for the engine; empty between broadcasts.
        _partial_index("ix_deliveries_queued", "chat_id", where="status = 'queued'"),
        # Rows whose send provably failed, waiting for a later tick; usually empty.
        _partial_index("ix_deliveries_retry", "chat_id", where="status = 'retry'"),
    )


class ContentHistory(Base):
    """What a chat has already been shown, per rotation cycle, so nothing repeats early."""

    __tablename__ = "content_history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (UniqueConstraint("chat_id", "kind", "cycle", "item_id"),)


class FaqFeedback(Base):
    """One 👍/👎 per answer message; counts per FAQ entry are aggregated from here."""

    __tablename__ = "faq_feedback"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(BigInteger)
    faq_id: Mapped[str] = mapped_column(String(64), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)


class FaqServed(Base):
    """How often each FAQ entry was given as an answer."""

    __tablename__ = "faq_served"

    faq_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class UnansweredQuestion(Base):
    """Questions the bot could not answer, for the content team (the newest 500 are kept)."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())


class IntakeEntry(Base):
    """A food logged with /log, on the chat's local date."""

    __tablename__ = "intake_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    local_date: Mapped[dt.date] = mapped_column(Date)
    food_id: Mapped[str] = mapped_column(String(64))
    servings: Mapped[float] = mapped_column(Float)
    mg: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (Index("ix_intake_log_chat_date", "chat_id", "local_date"),)


class TipReaction(Base):
    """A button pressed under a tip: a vote (👍/👎), "tell me more" or "later".

    Unique per message and action: the first vote on a message counts, a double tap or a
    second person in a group stores nothing.
    """

    __tablename__ = "tip_reactions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(BigInteger)
    tip_id: Mapped[str] = mapped_column(String(64), index=True)
    # "vote", "more" or "later".
    action: Mapped[str] = mapped_column(String(8))
    # Votes only: True for 👍, False for 👎.
    helpful: Mapped[bool | None] = mapped_column(Boolean, default=None)
    user_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    local_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (UniqueConstraint("chat_id", "message_id", "action"),)


class LearningDay(Base):
    """A local day on which the chat pressed a tip button or answered a quiz question."""

    __tablename__ = "learning_days"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)


class QuizCard(Base):
    """A question's Leitner box for one chat: when it is due again and how it went."""

    __tablename__ = "quiz_cards"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    quiz_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    box: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.now(), onupdate=func.now()
    )


class QuizRound(Base):
    """A quiz of a few questions asked one at a time; `position` is the one awaiting an
    answer. Starting a round expires the chat's other open ones, so old buttons go dead."""

    __tablename__ = "quiz_rounds"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    quiz_ids: Mapped[list[str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    # "scheduled" (the weekly quiz) or "command" (/quiz).
    source: Mapped[str] = mapped_column(String(16))
    # "open", "done" or "expired".
    status: Mapped[str] = mapped_column(String(8), default="open")
    local_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (Index("ix_quiz_rounds_chat_status", "chat_id", "status"),)


class QuizAnswer(Base):
    """One answered question of a round; unique per position, so a double tap stores one."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quiz_rounds.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    quiz_id: Mapped[str] = mapped_column(String(64))
    chosen: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    local_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        # /progress reads a chat's answers by date; /forget's cascade finds them by chat.
        Index("ix_quiz_answers_chat_date", "chat_id", "local_date"),
    )
