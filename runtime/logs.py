"""Logging set-up that never lets the bot token reach a log line, or stderr.

Three ways out are covered: log records (the handler's RedactingFilter), a traceback that
escapes `main()` (a redacting `sys.excepthook`), and start-up failures (`fail()` masks its
line with `redact`).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from storage.redaction import MASK, redact_token_shapes

# The process's secrets, as given to configure_logging: masked wherever text leaves.
_secrets: list[str] = []


def redact(text: str, secrets: list[str] | None = None) -> str:
    """`text` with the secrets (the process's, by default) and any token-shaped string
    masked."""
    for secret in _secrets if secrets is None else secrets:
        if secret:
            text = text.replace(secret, MASK)
    return redact_token_shapes(text)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

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


def _print_redacted(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, error, tb))))
    sys.stderr.flush()


def _print_redacted_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _print_redacted(args.exc_type, args.exc_value, args.exc_traceback)


def configure_logging(level: str, secrets: list[str]) -> None:
    _secrets[:] = [s for s in secrets if s]
    # A traceback that escapes main() is printed by Python itself, past every log filter;
    # exception texts can quote a request URL, token included.
    sys.excepthook = _print_redacted
    threading.excepthook = _print_redacted_thread
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
