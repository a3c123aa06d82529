"""`python -m bot`: long polling against TELEGRAM_API_URL, or a webhook server when
WEBHOOK_URL is set, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import replace

from telegram import Update

from bot.app import build_application, publish_menu
from bot.config import BotSettings
from bot.handlers import warm_up_all
from bot.server.health import Health
from bot.server.webhook import HttpServer, build_ops_server, build_server, register_webhook
from bot.services import attach, services_in
from runtime.config import load_settings
from runtime.eventloop import loop_factory
from runtime.logs import configure_logging
from runtime.startup import initialize_bot, load_content, open_database
from scheduler.embedded import EmbeddedDelivery

log = logging.getLogger("bot")
# Young objects collected every 10,000 net allocations instead of 700; older generations
# an order of magnitude less often.
GC_THRESHOLDS = (10_000, 20, 100)


async def serve(settings: BotSettings) -> None:
    library = load_content(settings.content_dir)
    db = await open_database(settings.database_url)
    application = build_application(settings, library, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    initialized = False
    delivery: EmbeddedDelivery | None = None
    ops: HttpServer | None = None
    try:
        await initialize_bot(application.bot, settings)
        await application.initialize()
        initialized = True
        await publish_menu(application)
        # Before any update is taken: loaded while the first updates arrive, the tables
        # held the interpreter for a second and the backlog took the rest of a busy
        # minute to drain. Loaded now, they are also frozen below with the rest. The
        # database's connections are opened now too.
        await asyncio.gather(asyncio.to_thread(warm_up_all), db.warm())
        # Polling means this process alone handles the bot's updates (see bot.open_questions).
        await db.cache_chats(sole_handler=settings.webhook_url is None)
        # The content, the /ask index and the libraries' own tables live as long as the
        # process: frozen, the garbage collector stops rescanning them (about 200,000
        # objects, a 0.2 s pause per full collection under load) while the bot serves.
        gc.collect()
        gc.freeze()
        # Every update and request creates python-telegram-bot objects by the hundred: with
        # the default thresholds the collector ran 1,090 times in a 6,000-update load run,
        # 8 of them full collections, 0.6 s in all; with these, 43 times and no full
        # collection, 0.13 s.
        gc.set_threshold(*GC_THRESHOLDS)
        health = Health(db)
        await application.start()
        if settings.scheduler_enabled:
            delivery = await EmbeddedDelivery.start(
                settings,
                library,
                db,
                application.bot.rate_limiter,
                observer=services_in(application).metrics,
            )
            # So /reload reaches the engine and a confirmed /broadcast starts at once.
            attach(application, replace(services_in(application), delivery=delivery))
            health.add("scheduler", delivery.health_check)
        if settings.webhook_url:
            metrics = services_in(application).metrics
            ops = build_ops_server(settings, metrics, health, db)
            await ops.start()
            server = build_server(application, settings, metrics)
            await server.start()
            await register_webhook(application, settings)
            log.info(
                "MagBot is serving its webhook on %s:%s as @%s; /healthz and /metrics on %s:%s",
                settings.webhook_listen,
                server.port,
                application.bot.username,
                settings.metrics_listen,
                ops.port,
            )
            await stop.wait()
            log.info("shutting down")
            # No new updates from here; requests in flight are queued before it returns.
            await server.stop()
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, poll_interval=settings.poll_interval
            )
            log.info(
                "MagBot is polling %s as @%s", settings.telegram_api_url, application.bot.username
            )
            await stop.wait()
            log.info("shutting down")
            await application.updater.stop()
        # Handles every update already accepted (the backlog is bounded, so this ends)
        # before anything is closed: an update answered 200 is never lost to a SIGTERM.
        await application.stop()
    finally:
        if ops is not None:
            # Last, so /healthz and /metrics keep answering while the backlog drains.
            await ops.stop()
        if delivery is not None:
            # Before the Application shuts down: deliveries still use its rate limiter.
            await delivery.stop()
        if initialized:
            await application.shutdown()
        await services_in(application).close()
        await db.close()


def main() -> None:
    settings = load_settings(BotSettings)
    secrets = [settings.bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    configure_logging(settings.log_level, secrets)
    runner = asyncio.Runner(loop_factory=loop_factory())
    with contextlib.suppress(KeyboardInterrupt), runner:
        runner.run(serve(settings))
