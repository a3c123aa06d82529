"""The Application factory (the same wiring for polling, console and tests) and its menu."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.commands import menu
from bot.config import BotSettings
from bot.handlers import admin, all_commands, register_all
from bot.menu_ledger import MenuLedger
from bot.open_questions import OpenQuestions
from bot.served_tally import ServedTally
from bot.server import errors, flood
from bot.server.metrics import Metrics
from bot.server.ordering import Backlog, PerChatUpdateProcessor, UpdateQueue
from bot.server.transport import InstrumentedRequest, install_guard
from bot.services import AnyApplication, Services, attach
from content import Library
from content.answering import Answerer
from runtime.http import make_request
from runtime.ratelimit import SendLimiter
from storage import Database

log = logging.getLogger(__name__)


# Updates handled at once. An update can spend up to a second waiting for its chat's next
# send slot (Telegram allows one message a second per chat), so at a few hundred updates a
# second the limit must cover a second's worth of them; 64 capped a busy bot at ~150/s
# while its CPU idled. Database work is bounded by the connection pool anyway. An update
# takes a slot only once it is its chat's turn (bot.server.ordering).
MAX_CONCURRENT_UPDATES = 512


def build_application(
    settings: BotSettings,
    library: Library,
    db: Database,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> AnyApplication:
    token = settings.bot_token.get_secret_value()
    metrics = Metrics()
    backlog = Backlog(settings.pending_limit)
    metrics.watch_pending(lambda: backlog.count)
    processor = PerChatUpdateProcessor(
        MAX_CONCURRENT_UPDATES,
        backlog=backlog,
        chat_limit=settings.max_pending_per_chat,
        metrics=metrics,
    )
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
        # Shared with the delivery engine: replies go before broadcast messages.
        .rate_limiter(
            SendLimiter(
                settings.broadcast_rate,
                chat_interval=settings.chat_send_interval,
                max_retries=3,
            )
        )
        .concurrent_updates(processor)
        .update_queue(UpdateQueue(backlog))
    )
    builder = builder.request(request or InstrumentedRequest(metrics, make_request(64)))
    builder = builder.get_updates_request(
        updates_request
        or InstrumentedRequest(metrics, make_request(1, 40.0), sieve=True, room=backlog.room)
    )
    application = builder.build()
    attach(
        application,
        Services(
            settings=settings,
            library=library,
            db=db,
            commands=all_commands(),
            answerer=Answerer.build(library),
            served=ServedTally(db),
            menus=MenuLedger(db),
            metrics=metrics,
            # Polling (and the console) means this process alone sees every update.
            open_questions=OpenQuestions(sole_handler=settings.webhook_url is None),
        ),
    )
    metrics.register(application)
    install_guard(application, metrics)
    flood.install(application, settings.flood_limit, settings.flood_tap_limit)
    register_all(application)
    errors.install(application)
    return application


async def publish_menu(application: AnyApplication) -> None:
    """The command menu Telegram shows: everyone's, then each admin's own."""
    await application.bot.set_my_commands(menu(all_commands()))
    await admin.publish_admin_menu(application)
