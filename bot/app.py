"""The Application factory: the same wiring for polling, console and tests."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.handlers import all_commands, register_all
from bot.ordering import PerChatUpdateProcessor
from bot.services import Services, attach
from bot.settings import BotSettings
from content import Library
from storage import Database

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def _error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id, "Something went wrong on my side. Please try again."
            )
        except Exception:  # the apology itself may fail (blocked, network); nothing more to do
            log.warning("could not tell chat about the error", exc_info=True)


def build_application(
    settings: BotSettings,
    library: Library,
    db: Database,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> AnyApplication:
    token = settings.bot_token.get_secret_value()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.broadcast_rate, max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor(64))
    )
    builder = builder.request(request or HTTPXRequest(connection_pool_size=64))
    builder = builder.get_updates_request(updates_request or HTTPXRequest(read_timeout=40))
    application = builder.build()
    attach(
        application, Services(settings=settings, library=library, db=db, commands=all_commands())
    )
    register_all(application)
    application.add_error_handler(_error_handler)
    return application
