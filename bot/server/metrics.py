"""Prometheus metrics, one registry per Application (never the process-wide default).

Handlers and the delivery engine report through the `Metrics` object in Services; the
Bot API traffic (replies, 429s, 403s) is counted where the HTTP requests are made
(`bot.server.transport`), so no handler has to remember to count its own messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.pipeline import Stage

if TYPE_CHECKING:
    from bot.services import AnyApplication

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "update_type"]


# When the update the current task is handling arrived. PTB handles each update in its own
# task, and a ContextVar is per task, so a Bot API call made while handling an update can
# tell itself apart from a scheduled delivery sent by the engine's task.
handling_since: ContextVar[float | None] = ContextVar("magbot_handling_since", default=None)

_UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "chat_boost",
    "removed_chat_boost",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "purchased_paid_media",
)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0)
_LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600)
_CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def update_type(update: Update) -> str:
    """Telegram's name for the kind of update ("message", "callback_query", ...)."""
    for kind in _UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


class Metrics:
    """Every metric MagBot exports, registered in this object's own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "magbot_updates", "Updates received, by Telegram update type", ["type"], registry=r
        )
        self.malformed_updates = Counter(
            "magbot_updates_malformed",
            "Updates that could not be parsed and were acknowledged without processing",
            registry=r,
        )
        self.flood_muted = Counter(
            "magbot_updates_flood_muted",
            "Messages and button taps ignored because their chat exceeded its flood limit",
            registry=r,
        )
        self.updates_dropped = Counter(
            "magbot_updates_dropped",
            "Updates dropped unhandled, by reason (chat_backlog: the chat had too many waiting)",
            ["reason"],
            registry=r,
        )
        self.webhook_busy = Counter(
            "magbot_webhook_busy",
            "Webhook POSTs answered 503 because MAX_PENDING_UPDATES were pending (Telegram "
            "retries them)",
            registry=r,
        )
        self.pending = Gauge(
            "magbot_updates_pending",
            "Updates accepted by this process and not yet finished",
            registry=r,
        )
        self.handling_seconds = Histogram(
            "magbot_update_handling_seconds",
            "Time from an update reaching the handlers to its last handler finishing",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.handler_errors = Counter(
            "magbot_handler_errors",
            "Exceptions that reached the error handler, by exception type",
            ["type"],
            registry=r,
        )
        self.replies = Counter(
            "magbot_replies",
            "Messages sent or edited in answer to an update, by Bot API method",
            ["method"],
            registry=r,
        )
        self.api_responses = Counter(
            "magbot_bot_api_responses",
            "Bot API responses by method and HTTP status",
            ["method", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "magbot_telegram_429", "429 Too Many Requests answers from the Bot API", registry=r
        )
        self.blocked = Counter(
            "magbot_blocked_chats",
            "403 answers: chats that blocked the bot or deleted their account",
            registry=r,
        )
        self.deliveries = Counter(
            "magbot_deliveries",
            "Scheduled deliveries by outcome (sent, failed, skipped, blocked)",
            ["outcome"],
            registry=r,
        )
        self.delivery_lag = Histogram(
            "magbot_delivery_lag_seconds",
            "Seconds from a delivery's due time to Telegram accepting it",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self.answer_confidence = Histogram(
            "magbot_answer_confidence",
            "Confidence (0-1) of the best FAQ match for each question asked",
            buckets=_CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.chats = Gauge(
            "magbot_chats",
            "Chats by subscription status, read from the database at scrape time",
            ["status"],
            registry=r,
        )
        # Labels known up front show up as 0 instead of missing before their first event.
        for outcome in ("sent", "failed", "skipped", "blocked"):
            self.deliveries.labels(outcome=outcome)
        for kind in ("message", "callback_query"):
            self.updates.labels(type=kind)
        self.updates_dropped.labels(reason="chat_backlog")

    # The hooks other modules call ------------------------------------------------

    def observe_answer(self, confidence: float) -> None:
        """/ask: the best match's confidence, whether or not it was good enough to answer."""
        self.answer_confidence.observe(min(max(confidence, 0.0), 1.0))

    def observe_delivery(self, outcome: str, lag_seconds: float | None = None) -> None:
        """The engine: one scheduled delivery finished with `outcome`."""
        self.deliveries.labels(outcome=outcome).inc()
        if lag_seconds is not None and outcome == "sent":
            self.delivery_lag.observe(max(lag_seconds, 0.0))

    def observe_response(self, method: str, status: int | str, *, replying: bool) -> None:
        """The transport: one Bot API call came back with HTTP `status` (or "timeout")."""
        self.api_responses.labels(method=method, status=str(status)).inc()
        if status == 429:
            self.rate_limited.inc()
        elif status == 403:
            self.blocked.inc()
        elif status == 200 and replying and _is_reply(method):
            self.replies.labels(method=method).inc()

    def watch_pending(self, count: Callable[[], float]) -> None:
        """Read the pending-update count from `count` at scrape time."""
        self.pending.set_function(count)

    def set_chat_counts(self, counts: dict[str, int]) -> None:
        for status in {"active", "stopped", "blocked", *counts}:
            self.chats.labels(status=status).set(counts.get(status, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 if never observed), for /stats and the tests."""
        found = self.registry.get_sample_value(name, labels)
        return found if found is not None else 0.0

    # Handlers that count every update -----------------------------------------------

    def register(self, application: AnyApplication) -> None:
        application.add_handler(TypeHandler(Update, self._arrived), group=Stage.ARRIVED)
        application.add_handler(TypeHandler(Update, self._finished), group=Stage.DONE)

    async def _arrived(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self.updates.labels(type=update_type(update)).inc()
        handling_since.set(time.perf_counter())

    async def _finished(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        started = handling_since.get()
        if started is not None:
            self.handling_seconds.observe(time.perf_counter() - started)


_REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


def _is_reply(method: str) -> bool:
    return method in _REPLY_METHODS
