"""Bot tokens out of stored text: anything shaped like a Telegram token is masked.

The lowest layer that stores text, so the ledger can mask error texts itself; the logging
filter (runtime/logs.py) masks the same shapes plus the exact secrets it is given.
"""

from __future__ import annotations

import re

# Any Telegram-shaped token (bot id, colon, secret), even one we were not told about, and
# also with the colon percent-encoded, as it appears in a quoted URL.
TOKEN_SHAPE = re.compile(r"\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
MASK = "<token>"


def redact_token_shapes(text: str) -> str:
    return TOKEN_SHAPE.sub(MASK, text)
