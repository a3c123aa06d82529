"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging
import re

# Any Telegram-shaped token, even one we were not told about (e.g. in a URL of an error).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return _TOKEN_SHAPE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks of HTTP errors quote the request URL, which holds the token.
            redacted += "\n" + self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg = redacted
        record.args = None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; those URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
