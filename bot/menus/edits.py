"""Editing a message in place, the one way every feature does it."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Message
from telegram.error import BadRequest

_TAG = re.compile(r"<[^>]+>")


def _visible_text(html_text: str) -> str:
    return html.unescape(_TAG.sub("", html_text))


async def edit_in_place(
    message: MaybeInaccessibleMessage | None, text: str, markup: InlineKeyboardMarkup | None
) -> bool:
    """Replace a message's text and buttons; False when Telegram no longer lets us.

    A tap that would change nothing (the option already chosen, the page already shown) is
    not sent at all: Telegram refuses such an edit with "message is not modified".
    """
    if not isinstance(message, Message) or not message.is_accessible:
        return False
    if message.text == _visible_text(text) and message.reply_markup == markup:
        return True
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        # Same text up to formatting, or a race with another tap: nothing left to do.
        return "not modified" in str(error).lower()
    return True
