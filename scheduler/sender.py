"""Send one scheduled message and classify what happened.

429s are the rate limiter's business (it pauses everything and retries). Here:
- 403 (blocked, deactivated, kicked) and "chat not found" mean the chat is gone for good;
- 5xx, connection errors and timeouts that happened before Telegram had the whole request
  are retried with exponential backoff, a bounded number of times;
- a read timeout is not retried: Telegram may have delivered the message already, and a
  lost tip is better than a duplicate one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from runtime.http import maybe_delivered
from runtime.ratelimit import Priority

log = logging.getLogger(__name__)

_GONE = ("chat not found", "user not found", "peer_id_invalid", "bot was kicked")


class Outcome(Enum):
    SENT = "sent"
    GONE = "gone"  # blocked, deactivated or unknown chat: never message it again
    FAILED = "failed"
    UNKNOWN = "unknown"  # maybe delivered


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    attempts: int
    error: str | None = None


async def send_scheduled(
    bot: ExtBot[Any], chat_id: int, text: str, *, retries: int, backoff: float
) -> Result:
    attempt = 0
    while True:
        attempt += 1
        try:
            # The raw call skips building a Message object from the answer, which was a
            # third of the engine's CPU time per message and is never looked at. Bot API
            # method names are case-insensitive; the lower-case spelling keeps PTB from
            # warning on every call that a typed method exists.
            await bot.do_api_request(
                "sendmessage",
                api_kwargs={
                    "chat_id": chat_id,
                    "text": text,
                    "parse_mode": ParseMode.HTML.value,
                    "link_preview_options": {"is_disabled": True},
                },
                rate_limit_args=Priority.BROADCAST,
            )
            return Result(Outcome.SENT, attempt)
        except Forbidden as error:
            return Result(Outcome.GONE, attempt, error.message)
        except ChatMigrated as error:
            # A group became a supergroup; its new id is a different chat we never subscribed.
            return Result(Outcome.GONE, attempt, f"migrated to {error.new_chat_id}")
        except BadRequest as error:
            if any(marker in error.message.lower() for marker in _GONE):
                return Result(Outcome.GONE, attempt, error.message)
            return Result(Outcome.FAILED, attempt, error.message)
        except RetryAfter as error:
            return Result(Outcome.FAILED, attempt, f"still rate limited: {error}")
        except InvalidToken:
            raise
        except TimedOut as error:
            if maybe_delivered(error):
                return Result(Outcome.UNKNOWN, attempt, "read timeout: may have been delivered")
            reason = f"timed out before sending ({type(error.__cause__).__name__})"
        except NetworkError as error:
            reason = error.message
        except TelegramError as error:
            return Result(Outcome.FAILED, attempt, error.message)
        if attempt > retries:
            return Result(Outcome.FAILED, attempt, reason)
        delay = backoff * 2 ** (attempt - 1)
        log.info("send to a chat failed (%s); retry %d in %.1f s", reason, attempt, delay)
        await asyncio.sleep(delay)
