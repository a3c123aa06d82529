"""How long one chat waits while another chat floods the bot with button taps.

The review's H1 scenario, with production pacing (one message a second per chat): chat A
taps 📊 Today (a message and a chart each) `--taps` times, then chat B sends /help. The
figure is the time from B's /help reaching the fake Bot API's update queue to B's answer
arriving there, before the flood and during it. With per-chat ordering taking the chat's
turn before a handler slot, and a bounded per-chat backlog, the two should be about equal.

    python benchmarks/head_of_line.py [--taps 530]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update

from benchmarks.report import emit
from bot.app import build_application, publish_menu
from bot.config import BotSettings
from bot.services import services_in
from content import load_library
from devtools.fakebotapi import FakeBotAPI
from storage import Database, migrate

TOKEN = "123456789:BENCHtokenBENCHtokenBENCH-abcdef"
A, B = 101, 202


async def _answered(api: FakeBotAPI, chat_id: int, text: str) -> float:
    """Seconds from `text` being queued to the bot's next message in `chat_id`."""
    before = len(api.messages(chat_id))
    started = time.perf_counter()
    api.send_text(chat_id, text)
    await api.wait_for_messages(chat_id, before + 1, timeout=600)
    return time.perf_counter() - started


async def run(taps: int) -> dict[str, float]:
    logging.disable(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="magbot-hol-"))
    async with FakeBotAPI() as api:
        settings = BotSettings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=api.url,
            database_url=f"sqlite+aiosqlite:///{workdir / 'hol.db'}",
            scheduler_enabled=False,
        )
        db = Database(settings.database_url)
        await migrate.upgrade(db)
        application = build_application(settings, load_library(), db)
        await application.initialize()
        await publish_menu(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            await _answered(api, A, "/start")
            await _answered(api, A, "/log almonds")
            receipt = api.last_message(A)
            assert receipt is not None and receipt.reply_markup is not None
            rows = receipt.reply_markup["inline_keyboard"]
            today = next(b["callback_data"] for row in rows for b in row if "Today" in b["text"])
            await _answered(api, B, "/start")
            baseline = await _answered(api, B, "/help")
            for _ in range(taps):
                api.press_button(A, receipt.message_id, today)
            during = await _answered(api, B, "/help")
            metrics = services_in(application).metrics
            print(f"/help in chat B, quiet bot:            {baseline:6.2f} s")
            print(f"/help in chat B, {taps} taps in chat A: {during:6.2f} s")
            dropped = metrics.value("magbot_updates_dropped_total", reason="chat_backlog")
            print(f"taps dropped (chat backlog full):      {dropped:6.0f}")
            print(f"taps muted (flood control):            "
                  f"{metrics.value('magbot_updates_flood_muted_total'):6.0f}")  # fmt: skip
            return {
                "taps": taps,
                "quiet_s": round(baseline, 3),
                "during_s": round(during, 3),
                "dropped": int(dropped),
                "muted": int(metrics.value("magbot_updates_flood_muted_total")),
            }
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await services_in(application).close()
            await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=530)
    args = parser.parse_args()
    emit("head_of_line", asyncio.run(run(args.taps)))


if __name__ == "__main__":
    main()
