"""/broadcast for ADMIN_IDS: a preview with [Send to N] [Cancel], then the delivery engine.

The draft is stored first; Send queues one ledger row per recipient in one transaction
(storage.broadcasts.queue), and the engine delivers them like the daily tips: rate
limited, one message per chat, never twice. For everyone else the command does not exist
(admin.py registers it with the admin-only filter) and its buttons are not theirs to press.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Collection

from telegram import Chat, Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.formatting import clip, counted, esc
from bot.menus.callbacks import PREFIX
from bot.menus.edits import edit_in_place
from bot.menus.keyboards import Keyboard
from bot.services import AnyApplication, services_of
from scheduler.render import broadcast_overflow, broadcast_text
from storage import broadcasts
from storage.broadcasts import BroadcastStatus, Summary

log = logging.getLogger(__name__)

ACTION = "bc"
SEND, CANCEL = "send", "cancel"
PATTERN = rf"^{PREFIX}\|[0-9a-z]+\|{ACTION}\|"
EXPIRED = "This button expired. Send /broadcast again."
RECENT_SHOWN = 5
USAGE = (
    "📣 <b>/broadcast your message</b> sends it to every subscriber who is active and not "
    "paused. You get a preview first; nothing goes out until you tap <b>Send</b>. Bold, "
    "italics and links are kept."
)
NOBODY = "📣 Nobody would get it: no subscriber is active and unpaused right now."
_TAG = re.compile(r"<[^>]+>")


def body_of(message: Message) -> tuple[str, str]:
    """The text after the command: as Telegram HTML with the admin's formatting (bold,
    links...), and as the plain text recipients will see."""
    text = message.text or ""
    units = text.encode("utf-16-le")
    # Telegram counts entity offsets in UTF-16 code units.
    command = next(
        (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0),
        None,
    )
    # CommandHandler only calls us for a message that starts with the command.
    cut = command.length if command is not None else 0
    rest = units[2 * cut :].decode("utf-16-le")
    shifted = []
    for entity in message.entities:
        start, end = max(entity.offset, cut), entity.offset + entity.length
        if end <= start:
            continue  # the command itself
        shifted.append(
            MessageEntity(
                entity.type,
                start - cut,
                end - start,
                url=entity.url,
                user=entity.user,
                language=entity.language,
                custom_emoji_id=entity.custom_emoji_id,
            )
        )
    # PTB renders entities as HTML for whole messages only: render the rest as one.
    remainder = Message(message.message_id, message.date, message.chat, text=rest, entities=shifted)
    return remainder.text_html.strip(), rest.strip()


def _plain(html_text: str) -> str:
    return html.unescape(_TAG.sub("", html_text))


def _subscribers(count: int) -> str:
    return counted(count, "subscriber")


def _when(instant: dt.datetime) -> str:
    return f"{instant:%d %b %H:%M} UTC"


def progress_line(summary: Summary) -> str:
    """E.g. `#3 queued 21 Nov 17:05 UTC for 120: sent 80 · waiting 38 · not sent 2`."""
    if summary.status is BroadcastStatus.QUEUED and summary.queued_at is not None:
        state = (
            f"queued {_when(summary.queued_at)} for {summary.audience}: sent {summary.sent} · "
            f"waiting {summary.waiting} · not sent {summary.not_sent}"
        )
    elif summary.status is BroadcastStatus.CANCELLED:
        state = "cancelled"
    else:
        state = f"draft of {_when(summary.created_at)}, not sent"
    return f"#{summary.id} {state}"


def _queued_text(broadcast_id: int, audience: int) -> str:
    return (
        f"📣 Broadcast #{broadcast_id} queued for {_subscribers(audience)}. "
        "Send /broadcast to see its progress."
    )


def _cancelled_text(broadcast_id: int) -> str:
    return f"Cancelled: broadcast #{broadcast_id} will not be sent."


async def broadcast_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    svc = services_of(context)
    body_html, body_plain = body_of(message)
    if not body_plain:
        await message.reply_text(await _usage(context))
        return
    over = broadcast_overflow(body_plain)
    if over > 0:
        await message.reply_text(
            f"✂️ That is too long for one Telegram message: please cut at least {over} "
            "characters (the limit is 4096 with the line I add at the end; an emoji counts "
            "as 2). Nothing was sent."
        )
        return
    now = dt.datetime.now(dt.UTC)
    async with svc.db.session() as session:
        audience = await broadcasts.audience(session, now)
        if audience == 0:
            broadcast_id = None
        else:
            broadcast_id = await broadcasts.create_draft(session, body_html, user.id, audience)
    if broadcast_id is None:
        await message.reply_text(NOBODY)
        return
    keyboard = Keyboard(svc.codec, chat.id, broadcast_id).row(
        (f"📣 Send to {audience}", ACTION, SEND), ("Cancel", ACTION, CANCEL)
    )
    await message.reply_text(
        f"👀 <b>Preview</b>: this goes to {_subscribers(audience)} (active, not paused). "
        "The next message is exactly what they will get."
    )
    try:
        await message.reply_text(broadcast_text(body_html), reply_markup=keyboard.markup())
    except BadRequest as error:
        # Telegram's own check of the text (it parsed the admin's message, so rarely).
        async with svc.db.session() as session:
            await broadcasts.cancel(session, broadcast_id)
        log.warning("broadcast #%s preview refused: %s", broadcast_id, error.message)
        await context.bot.send_message(
            chat.id, f"Telegram refused that text ({esc(clip(error.message, 100))}). Nothing sent."
        )


async def _usage(context: ContextTypes.DEFAULT_TYPE) -> str:
    async with services_of(context).db.session() as session:
        latest = await broadcasts.recent(session, RECENT_SHOWN)
    if not latest:
        return f"{USAGE}\n\nNo broadcasts yet."
    lines = [f"{esc(progress_line(s))}\n    “{esc(clip(_plain(s.text), 50))}”" for s in latest]
    return f"{USAGE}\n\n<b>Recent broadcasts</b>\n" + "\n".join(lines)


async def broadcast_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or query.data is None:
        return
    svc = services_of(context)
    press = svc.codec.decode(chat.id, query.data)
    if press is None or press.action != ACTION or press.arg not in (SEND, CANCEL):
        await query.answer(EXPIRED)
        return
    broadcast_id = press.version
    async with svc.db.session() as session:
        if press.arg == SEND:
            change = await broadcasts.queue(session, broadcast_id, dt.datetime.now(dt.UTC))
        else:
            change = await broadcasts.cancel(session, broadcast_id)
    if change.changed and change.status is BroadcastStatus.QUEUED:
        log.info("broadcast #%s queued for %d chats", broadcast_id, change.audience)
        if svc.delivery is not None:
            svc.delivery.run_soon()  # otherwise the next minute's tick picks it up
    # Answer first: it stops the button's spinner even if the edit fails.
    if change.status is BroadcastStatus.QUEUED:
        await query.answer("Queued" if change.changed else "It is already queued.")
        await edit_in_place(query.message, _queued_text(broadcast_id, change.audience), None)
    elif change.status is BroadcastStatus.CANCELLED:
        await query.answer(
            "Cancelled" if change.changed else "It was cancelled. Send /broadcast again."
        )
        await edit_in_place(query.message, _cancelled_text(broadcast_id), None)
    else:
        await query.answer(EXPIRED)


class AdminButtonHandler(CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]):
    """A button handler that only admins' presses reach; anyone else's falls through to
    the expired-button reply, like any button no feature claims."""

    def __init__(self, admin_ids: Collection[int]) -> None:
        super().__init__(broadcast_press, pattern=PATTERN)
        self.admin_ids = frozenset(admin_ids)

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        if update.effective_user.id not in self.admin_ids:
            return None
        # Admin commands work in private chats only, and so do their buttons.
        if update.effective_chat is None or update.effective_chat.type != Chat.PRIVATE:
            return None
        return super().check_update(update)


def register_buttons(application: AnyApplication, admin_ids: Collection[int]) -> None:
    application.add_handler(AdminButtonHandler(admin_ids))
