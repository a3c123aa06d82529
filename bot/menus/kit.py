"""What every menu shares: who may change a chat's settings, signed presses, in-place edits.

A press is verified (signature, menu version, group admin) before its action runs, and
the action runs inside one locked transaction; Telegram is called only after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from telegram import CallbackQuery, Chat, ChatMember, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.menus.callbacks import CallbackCodec, Press
from bot.menus.edits import edit_in_place
from bot.menus.keyboards import Keyboard
from bot.services import Services, services_of
from storage import preferences
from storage.models import Chat as ChatRow

log = logging.getLogger(__name__)

EXPIRED = "This menu expired, open /settings again."
# A button no handler takes: from an older version of the bot, or forged.
STALE_BUTTON = "This button has expired. Send the command again (/help lists them)."
NOT_ADMIN = "Only this group's admins can change its settings."
UNKNOWN_CHAT = "I don't know this chat yet. Send /start to subscribe first."
NOT_ADMIN_COMMAND = "Sorry, only this group's admins can do that. 🙂"


def codec_of(context: ContextTypes.DEFAULT_TYPE) -> CallbackCodec:
    return services_of(context).codec


async def pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, family: str, notice: str
) -> tuple[str, ...] | None:
    """The fields of a press on one of `family`'s buttons, signed for this chat.

    Anything else (forged, garbled, copied from another chat) is answered with `notice`
    and gives None, so the handler stores and sends nothing.
    """
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return None
    fields = None
    if chat is not None and query.data is not None:
        fields = codec_of(context).verify(chat.id, query.data, family)
    if fields is None:
        await query.answer(notice)
    return fields


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def is_admin(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None, message: Message | None
) -> bool:
    """In private chats the person owns their settings; in groups only admins do."""
    if chat.type == Chat.PRIVATE:
        return True
    # An admin posting anonymously "as the group" shows up as the group itself.
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def admin_or_refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """For commands: True if the sender may change this chat; otherwise says why."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return False
    if await is_admin(context, chat, update.effective_user, message):
        return True
    await message.reply_text(NOT_ADMIN_COMMAND)
    return False


@dataclass(frozen=True)
class MenuView:
    """What rendering a menu needs besides the chat row."""

    svc: Services
    codec: CallbackCodec
    chat_id: int
    version: int
    user_id: int
    is_group: bool
    now: dt.datetime

    def keyboard(self) -> Keyboard:
        return Keyboard(self.codec, self.chat_id, self.version)


@dataclass(frozen=True)
class Outcome:
    """What to do with the pressed message after an action.

    edit: replace its text and keyboard; new: send `text` as a fresh menu message below
    and strip the old keyboard; strip: just remove its keyboard; none: leave it.
    """

    kind: Literal["edit", "new", "strip", "none"]
    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    answer: str | None = None
    alert: bool = False


Action = Callable[[Press, ChatRow, MenuView, AsyncSession], Awaitable[Outcome]]


async def on_press(
    update: Update, context: ContextTypes.DEFAULT_TYPE, actions: dict[str, Action]
) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or query.data is None:
        return
    svc, codec = services_of(context), codec_of(context)
    press = codec.decode(chat.id, query.data)
    action = actions.get(press.action) if press is not None else None
    if press is None or action is None:
        await query.answer(EXPIRED)
        return
    if not await is_admin(context, chat, update.effective_user, None):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    user_id = update.effective_user.id if update.effective_user else chat.id
    view = MenuView(
        svc, codec, chat.id, press.version, user_id, chat.type != Chat.PRIVATE, utcnow()
    )
    message_id = query.message.message_id if query.message is not None else None
    async with svc.db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, chat.id)
        if row is None or row.menu_version != press.version:
            outcome = Outcome("none", answer=EXPIRED)
        else:
            outcome = await action(press, row, view, session)
            # After /forget the row is gone: there is no menu left to remember.
            if outcome.kind == "edit" and message_id is not None and row in session:
                row.menu_message_id = message_id
    await _carry_out(query, context, outcome, svc)


async def _carry_out(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome, svc: Services
) -> None:
    # Answer first: it stops the button's spinner even if the edit below fails.
    await query.answer(outcome.answer, show_alert=outcome.alert or None)
    if outcome.kind == "edit":
        await edit_in_place(query.message, outcome.text, outcome.markup)
    elif outcome.kind == "strip":
        await strip_keyboard(query)
    elif outcome.kind == "new" and query.message is not None:
        await strip_keyboard(query)
        sent = await context.bot.send_message(
            query.message.chat.id, outcome.text, reply_markup=outcome.markup
        )
        svc.menus.note(sent.chat_id, sent.message_id)


async def strip_keyboard(query: CallbackQuery) -> None:
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            log.info("could not remove an old keyboard: %s", error)


async def strip_message_keyboard(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int
) -> None:
    """Remove an older menu's buttons so only the newest menu can be tapped."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except (BadRequest, Forbidden) as error:
        # Deleted, too old to edit, or already without buttons: nothing to strip.
        log.debug("old menu %s not stripped: %s", message_id, error)


async def send_menu(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    render: Callable[[ChatRow, MenuView], tuple[str, InlineKeyboardMarkup | None]],
    *,
    unknown: str = UNKNOWN_CHAT,
    on_open: Callable[[ChatRow, MenuView], None] | None = None,
) -> bool:
    """Open a new menu as a fresh message (older menus expire); False if the chat is unknown.

    `on_open` runs in the menu's transaction with the locked row (to open a question).
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return False
    svc, codec = services_of(context), codec_of(context)
    user_id = update.effective_user.id if update.effective_user else chat.id

    unwritten = svc.menus.take(chat.id)

    def view_of(version: int) -> MenuView:
        return MenuView(svc, codec, chat.id, version, user_id, chat.type != Chat.PRIVATE, utcnow())

    def open_menu(session: Session) -> tuple[ChatRow, int, int | None] | None:
        # Only what must be atomic; the screen is drawn after, off the database's turn.
        row = preferences.chat_for_update(session, chat.id)
        if row is None:
            return None
        old_menu = unwritten or row.menu_message_id
        version = preferences.open_menu(row)
        if on_open is not None:
            on_open(row, view_of(version))
        return row, version, old_menu

    opened = await svc.db.run(open_menu)
    if opened is None:
        await message.reply_text(unknown)
        return False
    row, version, old_menu = opened
    view = view_of(version)
    text, markup = render(row, view)
    sent = await message.reply_text(text, reply_markup=markup)
    if old_menu is not None:
        await strip_message_keyboard(context, chat.id, old_menu)
    svc.menus.note(chat.id, sent.message_id)
    return True
