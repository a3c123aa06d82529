"""What every entry point does before serving: content, database, migrations, menu."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application

from bot.commands import menu
from bot.handlers import all_commands
from content import ContentError, Library, load_library
from scheduler.settings import fail
from storage import Database, migrate

log = logging.getLogger(__name__)


def load_content() -> Library:
    try:
        return load_library()
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
    log.info("database ready at %s", db.safe_url())
    return db


async def publish_menu(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands(menu(all_commands()))
