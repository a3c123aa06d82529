"""The one error handler: log it with its update id, apologise once, never show internals.

An "incident" is a chat's run of failures: while the database is down every message of a
chat fails, and the person should hear "please try again" once, not once per message. So a
chat gets at most one apology per `APOLOGY_INTERVAL`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.services import AnyApplication, services_of

log = logging.getLogger(__name__)

APOLOGY = "😕 Sorry, something went wrong on my side. Please try again in a moment."
APOLOGY_INTERVAL = 60.0
_KEY = "magbot.apologies"


class Apologies:
    """Which chats were told about a failure recently; bounded, oldest forgotten first."""

    def __init__(
        self,
        interval: float = APOLOGY_INTERVAL,
        *,
        max_chats: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.max_chats = max_chats
        self._clock = clock
        self._last: OrderedDict[int, float] = OrderedDict()

    def claim(self, chat_id: int) -> bool:
        """True if `chat_id` should be told now (and remember that it was)."""
        now = self._clock()
        last = self._last.get(chat_id)
        if last is not None and now - last < self.interval:
            return False
        self._last.pop(chat_id, None)
        self._last[chat_id] = now
        # Entries are in telling order, so expired ones sit at the front.
        while self._last:
            oldest, told = next(iter(self._last.items()))
            if now - told < self.interval and len(self._last) <= self.max_chats:
                break
            del self._last[oldest]
        return True


def install(application: AnyApplication) -> None:
    application.bot_data[_KEY] = Apologies()
    application.add_error_handler(handle_error)


async def handle_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    error_type = type(error).__name__ if error is not None else "None"
    # key=value pairs (and the same as record attributes) so log pipelines can index them;
    # the root handler's filter redacts the token from the message and the traceback.
    log.error(
        "update failed update_id=%s chat_id=%s error_type=%s error=%s",
        update_id,
        chat.id if chat else None,
        error_type,
        error,
        exc_info=error,
        extra={"update_id": update_id, "chat_id": chat.id if chat else None, "error": error_type},
    )
    services_of(context).metrics.handler_errors.labels(type=error_type).inc()
    if not isinstance(update, Update) or chat is None or isinstance(error, Forbidden):
        return  # nobody to tell, or they blocked the bot
    apologies = context.bot_data.get(_KEY)
    if isinstance(apologies, Apologies) and not apologies.claim(chat.id):
        return
    await _apologise(update, context, chat.id)


async def _apologise(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    try:
        if update.callback_query is not None:
            # A toast on the button that failed; the query may already be answered.
            try:
                await update.callback_query.answer(APOLOGY)
                return
            except Exception:  # already answered or too old: say it in the chat instead
                log.debug("could not answer the failed callback query", exc_info=True)
        await context.bot.send_message(chat_id, APOLOGY)
    except Exception as error:  # the apology itself may fail (network, Telegram down)
        log.warning(
            "could not tell chat about the error chat_id=%s error_type=%s",
            chat_id,
            type(error).__name__,
        )
