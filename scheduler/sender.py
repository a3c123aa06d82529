"""Send one scheduled message and classify what happened.

At most once: a message is tried again only when the request provably never reached
Telegram. Here:
- 403 (blocked, deactivated, kicked) and "chat not found" mean the chat is gone for good;
- an error before any connection existed (refused, DNS, connect or pool timeout) is
  retried with exponential backoff a bounded number of times, then reported NOT_SENT;
- a 429 the rate limiter gave up on and a rejected token (401/404) are NOT_SENT too:
  Telegram answered without delivering, so a later tick may try again;
- a connection lost after the request went out, a read timeout and any 5xx are UNKNOWN:
  Telegram may have delivered the message already, and a lost tip is better than a
  duplicate one, so it is never sent again;
- an answer that cannot be read is UNKNOWN too (it may have been a 200);
- a 400 (bad HTML, too long) is FAILED: sending it again changes nothing.

429s themselves are the rate limiter's business (it pauses everything and retries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from runtime.http import never_sent
from runtime.ratelimit import Priority

log = logging.getLogger(__name__)

_GONE = ("chat not found", "user not found", "peer_id_invalid", "bot was kicked")


class Outcome(Enum):
    SENT = "sent"
    GONE = "gone"  # blocked, deactivated or unknown chat: never message it again
    FAILED = "failed"  # Telegram refused this message; trying again would not help
    UNKNOWN = "unknown"  # maybe delivered: never try again
    NOT_SENT = "not_sent"  # provably not delivered: a later tick may try again


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    attempts: int
    error: str | None = None


async def send_scheduled(
    bot: ExtBot[Any],
    chat_id: int,
    text: str,
    *,
    retries: int,
    backoff: float,
    reply_markup: Mapping[str, object] | None = None,
) -> Result:
    parameters: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": {"is_disabled": True},
    }
    if reply_markup is not None:
        # The raw call sends plain JSON: the keyboard is already the dict Telegram expects.
        parameters["reply_markup"] = reply_markup
    attempt = 0
    while True:
        attempt += 1
        try:
            # The raw call skips building a Message object from the answer, which was a
            # third of the engine's CPU time per message and is never looked at. Bot API
            # method names are case-insensitive; the lower-case spelling keeps PTB from
            # warning on every call that a typed method exists.
            await bot.do_api_request(
                "sendmessage", api_kwargs=parameters, rate_limit_args=Priority.BROADCAST
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
            return Result(Outcome.NOT_SENT, attempt, f"still rate limited: {error.message}")
        except (InvalidToken, EndPointNotFound) as error:
            # PTB raises these for 401 and 404: the token was refused, nothing delivered.
            return Result(Outcome.NOT_SENT, attempt, f"the Bot API refused: {error.message}")
        except NetworkError as error:
            if not never_sent(error):
                # A 5xx, a read timeout or a connection lost mid-request.
                return Result(Outcome.UNKNOWN, attempt, f"{error.message}: may have been delivered")
            reason = error.message
        except TelegramError as error:
            # An answer PTB could not read ("Invalid server response"), status 200 maybe.
            return Result(Outcome.UNKNOWN, attempt, f"{error.message}: may have been delivered")
        if attempt > retries:
            return Result(Outcome.NOT_SENT, attempt, reason)
        delay = backoff * 2 ** (attempt - 1)
        log.info("send to a chat failed (%s); retry %d in %.1f s", reason, attempt, delay)
        await asyncio.sleep(delay)
