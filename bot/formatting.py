"""HTML helpers: every user-visible string goes through here or html.escape."""

from __future__ import annotations

import html

from content.schedule import FREQUENCY_LABELS, Frequency
from content.zones import zone_label
from storage.models import Chat


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def counted(count: int, one: str, other: str | None = None) -> str:
    """'1 day', '3 days', '1 delivery recorded', '2 deliveries recorded' (`other` when
    adding an s is not the plural)."""
    return f"{count} {one if count == 1 else other or one + 's'}"


def clip(text: str, limit: int = 60) -> str:
    """Shorten user text before quoting it back, so replies stay small."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schedule_summary(chat: Chat) -> str:
    """E.g. 'a tip every day at 09:00 (Europe/Berlin)'."""
    when = FREQUENCY_LABELS[Frequency(chat.frequency)]
    return f"a tip {when} at {chat.delivery_time:%H:%M} ({esc(zone_label(chat.timezone))})"
