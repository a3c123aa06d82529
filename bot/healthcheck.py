"""`python -m bot.healthcheck`: exit 0 when the database answers (Docker HEALTHCHECK)."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text

from bot.settings import BotSettings
from scheduler.settings import load_settings
from storage import Database


async def _check(url: str) -> bool:
    db = Database(url)
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means unhealthy; the reason is not for the probe
        return False
    finally:
        await db.close()


def main() -> None:
    settings = load_settings(BotSettings)
    healthy = asyncio.run(asyncio.wait_for(_check(settings.database_url), timeout=8))
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
