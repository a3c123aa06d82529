"""A fake Telegram Bot API server that speaks the real HTTP wire format, for tests and benchmarks.

In-process::

    async with FakeBotAPI() as api:
        bot = telegram.Bot(token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot")

As a process: ``python -m devtools.fakebotapi --port 0 [--rate-limit 30] [--light]``, driven with
:class:`FakeBotAPIClient`.
"""

from .client import ControlError, FakeBotAPIClient
from .engine import FakeTelegram
from .html_markup import HtmlParseError, parse_html
from .records import BotMessage, Call, CallbackAnswer, Stats
from .server import FakeBotAPI
from .wire import UploadedFile

__all__ = [
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "ControlError",
    "FakeBotAPI",
    "FakeBotAPIClient",
    "FakeTelegram",
    "HtmlParseError",
    "Stats",
    "UploadedFile",
    "parse_html",
]
