"""Apply Alembic migrations at start, safely even when several processes start together."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import Database

# The migrations ship inside this package, so an installed wheel can migrate too.
HERE = Path(__file__).resolve().parent
# Any fixed number: PostgreSQL advisory locks are keyed by a bigint.
_MIGRATION_LOCK = 0x4D61_6742_6F74


def alembic_config() -> Config:
    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # A bot and a scheduler starting at once must not both create the tables.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)
