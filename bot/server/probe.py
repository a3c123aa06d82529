"""`python -m bot.server.probe`: exit 0 when the bot is healthy (Docker HEALTHCHECK).

In webhook mode the running bot answers `GET /healthz` itself (database and scheduler) on
its operations listener (METRICS_LISTEN:METRICS_PORT), so the probe asks it; in polling
mode there is no server, and the probe checks that the database the bot depends on answers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import urllib.error
import urllib.request

from bot.config import BotSettings
from runtime.config import load_settings
from storage import Database

TIMEOUT = 8.0


def _local_host(listen: str) -> str:
    if listen in {"0.0.0.0", "", "::"}:
        return "127.0.0.1"
    # An IPv6 address goes in brackets inside a URL.
    return f"[{listen}]" if ":" in listen and not listen.startswith("[") else listen


def webhook_healthy(settings: BotSettings) -> bool:
    url = f"http://{_local_host(settings.metrics_listen)}:{settings.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


async def database_healthy(url: str) -> bool:
    db = Database(url)
    try:
        return await asyncio.wait_for(db.answers(), timeout=TIMEOUT)
    except Exception:  # any failure means unhealthy; the reason is not for the probe
        return False
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.server.probe", description=__doc__)
    parser.add_argument(
        "--database", action="store_true", help="only check the database (scheduler process)"
    )
    args = parser.parse_args(argv)
    settings = load_settings(BotSettings)
    if settings.webhook_url and not args.database:
        healthy = webhook_healthy(settings)
    else:
        healthy = asyncio.run(database_healthy(settings.database_url))
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
