"""`python -m bot`: long polling against TELEGRAM_API_URL until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.settings import BotSettings
from bot.startup import load_content, open_database, publish_menu
from scheduler.logs import configure_logging
from scheduler.settings import fail, load_settings

log = logging.getLogger("bot")


async def serve(settings: BotSettings) -> None:
    library = load_content()
    db = await open_database(settings.database_url)
    application = build_application(settings, library, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    initialized = False
    try:
        try:
            await application.initialize()
            initialized = True
        except InvalidToken:
            fail("BOT_TOKEN was rejected by the Bot API: check the token from @BotFather")
        except NetworkError as error:
            fail(
                f"cannot reach the Bot API at TELEGRAM_API_URL ({settings.telegram_api_url}): "
                f"{type(error).__name__}"
            )
        await publish_menu(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("MagBot is polling %s as @%s", settings.telegram_api_url, application.bot.username)
        await stop.wait()
        log.info("shutting down")
        await application.updater.stop()
        await application.stop()
    finally:
        if initialized:
            await application.shutdown()
        await db.close()


def main() -> None:
    settings = load_settings(BotSettings)
    configure_logging(settings.log_level, [settings.bot_token.get_secret_value()])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))
