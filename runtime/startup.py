"""Start-up shared by every entry point: content, database and a Bot API client.

The bot, the scheduler and the console all start through these: every failure is
one clear line and exit status 2, never a traceback or the token.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import BaseRateLimiter, Defaults, ExtBot

from content import ContentError, Library, load_library
from runtime.config import EngineSettings, fail
from runtime.http import make_request
from runtime.ratelimit import Priority
from storage import Database, migrate

log = logging.getLogger(__name__)


def load_content(data_dir: Path | None = None) -> Library:
    try:
        return load_library(data_dir)
    except ContentError as error:
        fail(
            f"the content files have {len(error.problems)} problem(s); "
            "run `python -m content check` to list them"
        )


def _reason(error: BaseException) -> str:
    inner = getattr(error, "orig", None) or error.__cause__ or error
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return text[:160]


async def open_database(url: str) -> Database:
    """Connect and migrate, or stop with one line that says why."""
    safe_url = make_url(url).render_as_string(hide_password=True)
    db: Database | None = None
    try:
        db = Database(url)
        await asyncio.wait_for(migrate.upgrade(db), timeout=60)
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        if db is not None:
            await db.close()
        fail(f"cannot open the database at DATABASE_URL ({safe_url}): {_reason(error)}")
    log.info("database ready at %s", safe_url)
    return db


def make_bot(
    settings: EngineSettings, limiter: BaseRateLimiter[Priority], *, sends_in_flight: int
) -> ExtBot[Any]:
    """A Bot API client of the scheduler's own, paced by `limiter`."""
    return ExtBot(
        settings.bot_token.get_secret_value(),
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        # A few spare connections beyond the sends in flight, for getMe and retries.
        request=make_request(sends_in_flight + 4),
        # The engine never polls; a one-connection client keeps PTB from making a default one.
        get_updates_request=make_request(1),
        defaults=Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        rate_limiter=limiter,
    )


async def initialize_bot(bot: Bot, settings: EngineSettings) -> None:
    """Open the bot's HTTP clients and check the token with getMe, or stop in one line."""
    try:
        await bot.initialize()
    except (InvalidToken, NetworkError) as error:
        # PTB opens both HTTP clients before getMe and closes them only after a successful
        # start; left open, each prints an "Unclosed client session" block under our line.
        await asyncio.gather(*(request.shutdown() for request in bot._request))
        if isinstance(error, InvalidToken):
            fail("BOT_TOKEN was rejected by the Bot API: check the token from @BotFather")
        fail(
            f"cannot reach the Bot API at TELEGRAM_API_URL ({settings.telegram_api_url}): "
            f"{type(error).__name__}"
        )
