"""Typed answers and shared locations for the settings menu's open question.

These handlers run in group -1, before /ask's free-text handler in group 0: a message that
answers the open question stops there (ApplicationHandlerStop); any other message passes on.
So does a message triage flags (the urgent advice comes first, the question stays open) and
one that is no valid answer but a request for something else (the question is closed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.commands import typed_command
from bot.formatting import esc
from bot.handlers.settings import screens
from bot.handlers.settings.actions import quiet_notice, save, time_notice, zone_notice
from bot.menus.kit import (
    UNKNOWN_CHAT,
    MenuView,
    codec_of,
    strip_message_keyboard,
    utcnow,
)
from bot.services import Services, services_of
from content.answering.setting_request import setting_request
from content.timeparse import TimeParseError, parse_delivery_time, parse_quiet_hours
from content.zones import ZoneMatch, ZoneParseError, default_resolver, zone_at
from storage import preferences
from storage.models import Chat as ChatRow

TIMEZONE = "timezone"
TIME = "time"
QUIET = "quiet"
_CANCEL_HINT = "Or tap ⬅️ Back in the menu above to cancel."


async def is_awaiting_input(svc: Services, chat_id: int) -> bool:
    """True while the chat owes the settings menu a typed answer (the /ask contract)."""
    return await svc.open_questions.pending(svc.db, chat_id) is not None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    question = await _open_question_for(update, context)
    if question is None:
        return
    text = message.text
    svc = services_of(context)
    # Safety first: a message that may describe an emergency is never read as a city or a
    # time. It goes on to /ask, whose reply starts with the urgent advice; the question
    # stays open for the answer that may follow.
    triage = svc.answerer.triage.check(text)
    if triage.findings or triage.softened:
        return
    try:
        if question == TIMEZONE:
            match = await asyncio.to_thread(default_resolver().resolve, text)
            await apply_zone(update, context, match)
        elif question == TIME:
            at = parse_delivery_time(text)
            await apply_changes(update, context, lambda _row: {"delivery_time": at}, time_notice_of)
        elif question == QUIET:
            start, end = parse_quiet_hours(text) or (None, None)
            changes = {"quiet_start": start, "quiet_end": end}
            await apply_changes(update, context, lambda _row: changes, quiet_notice_of)
    except (ZoneParseError, TimeParseError) as error:
        if setting_request(text) or typed_command(text, svc.commands):
            # Not an answer but a request for something else ("I'm vegan", "quiz"): like a
            # command, it closes the question and goes on to be answered.
            await drop_question(update, context)
            return
        await message.reply_text(f"🤔 {esc(str(error))}\n{_CANCEL_HINT}")
    raise ApplicationHandlerStop


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.location is None:
        return
    if chat.type != Chat.PRIVATE and await _open_question_for(update, context) != TIMEZONE:
        return  # in groups a location only counts when an admin was asked for one
    location = message.location
    try:
        match = await asyncio.to_thread(zone_at, location.latitude, location.longitude)
    except ZoneParseError as error:
        await message.reply_text(f"🤔 {esc(str(error))}")
        raise ApplicationHandlerStop from None
    await apply_zone(update, context, match)
    raise ApplicationHandlerStop


async def drop_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command from whoever was asked moves on to something else: the open question is
    closed, quietly. Another group member's command leaves the admin's question open."""
    chat = update.effective_chat
    if chat is None or await _open_question_for(update, context) is None:
        return
    svc = services_of(context)
    async with svc.db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, chat.id)
        if row is not None:
            preferences.clear_awaiting(row)


async def _open_question_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The chat's open question, if this message's sender is the one who was asked."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    svc = services_of(context)
    pending = await svc.open_questions.pending(svc.db, chat.id)
    if pending is None:
        return None
    question, asked = pending
    if asked is not None and (user is None or user.id != asked):
        return None
    return question


def time_notice_of(chat: ChatRow, _now: dt.datetime) -> str:
    return time_notice(chat)


def quiet_notice_of(chat: ChatRow, _now: dt.datetime) -> str:
    return quiet_notice(chat)


async def apply_zone(update: Update, context: ContextTypes.DEFAULT_TYPE, match: ZoneMatch) -> None:
    def notice(chat: ChatRow, now: dt.datetime) -> str:
        return zone_notice(match, chat, now)

    await apply_changes(update, context, lambda _row: {"timezone": match.zone}, notice)


async def apply_changes(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    changes: Callable[[ChatRow], dict[str, Any]],
    notice: Callable[[ChatRow, dt.datetime], str],
    screen: Callable[[ChatRow, MenuView, str], screens.Screen] = screens.main,
) -> None:
    """Save typed changes (computed from the locked row) and show the settings menu again,
    as a new message below it, with `notice` on top."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    svc = services_of(context)
    now = utcnow()
    user_id = update.effective_user.id if update.effective_user else chat.id
    old_menu: int | None = None
    markup = None
    async with svc.db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, chat.id)
        if row is None:
            text = UNKNOWN_CHAT
        elif not save(row, changes(row), now):
            text = "That value is not allowed. Please try another."
        else:
            preferences.clear_awaiting(row)
            old_menu = svc.menus.take(chat.id) or row.menu_message_id
            view = MenuView(
                svc, codec_of(context), chat.id, row.menu_version, user_id,
                chat.type != Chat.PRIVATE, now,
            )  # fmt: skip
            text, markup = screen(row, view, notice(row, now))
    if markup is None:
        await message.reply_text(text)
        return
    sent = await message.reply_text(text, reply_markup=markup)
    if old_menu is not None:
        await strip_message_keyboard(context, chat.id, old_menu)
    svc.menus.note(chat.id, sent.message_id)
