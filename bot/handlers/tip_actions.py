"""The buttons under a tip: 👍 / 👎, 📖 Tell me more and ⏰ Later.

The delivery engine and /tip send them (scheduler/buttons.py renders them); this module
reads them back. Callback data, signed for the chat: `tp|<act>|<ref(tip id)>`, where act is
u/d (👍/👎), m (tell me more), l (open the Later choices), h (in an hour), e (this evening),
b (back to the tip's buttons) or w (the "coming back at …" line shown once Later is set).

Every press that is stored is stored once per message and action (storage/learning.py):
a double tap, or a second person in a group, gets a short answer and stores nothing. Forged,
edited or copied data, an unknown tip and a chat that never sent /start get a short answer
too. Anyone in a group may vote or ask for more; only its admins may send the tip to the
whole group again later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.commands import Feature
from bot.handlers.ask import send_answer
from bot.menus.callbacks import CallbackCodec, ref
from bot.menus.keyboards import Buttons
from bot.menus.kit import is_admin, pressed
from bot.services import AnyApplication, Services, services_of
from content import Library, Tip
from scheduler.buttons import (
    EVENING,
    TIP_BACK,
    TIP_DOWN,
    TIP_EVENING,
    TIP_FAMILY,
    TIP_HOUR,
    TIP_LATER,
    TIP_MORE,
    TIP_UP,
    later_keyboard,
    tip_keyboard,
)
from scheduler.schedule import local_instant, out_of_quiet
from storage import learning, preferences
from storage.learning import Recorded, TipAction
from storage.models import Chat

# The "⏰ Coming back at 19:00" line that replaces Later once it is set: tapping it repeats
# when. Only this module sends it, so its letter lives here, beside the family's others.
TIP_WHEN = "w"
ACTS = frozenset({TIP_UP, TIP_DOWN, TIP_MORE, TIP_LATER, TIP_HOUR, TIP_EVENING, TIP_BACK, TIP_WHEN})
# The buttons that change the tip's keyboard or schedule for everyone in a group.
LATER_ACTS = frozenset({TIP_LATER, TIP_HOUR, TIP_EVENING, TIP_BACK})
# "This evening" is offered until this local time; after it, only "in an hour".
EVENING_OFFERED_UNTIL = dt.time(18, 0)
IN_AN_HOUR = dt.timedelta(hours=1)

STALE = "This button has expired. Send /tip for a new tip."
UNKNOWN_TIP = "I no longer have this tip. Send /tip for a new one."
UNKNOWN_CHAT = "I don't know this chat yet. Send /start to subscribe first."
NOTED = "Thanks — noted."
ALREADY_RATED = "You already rated this tip."
MORE_ALREADY = "I already sent more on this tip: it's just below it."
LATER_ALREADY = "Already set: this tip comes back later."
LATER_GONE = "This tip is not waiting to come back any more."
EVENING_GONE = "It's already evening: pick “In an hour”."
LATER_USED = "A tip already came back once that day. /tip sends one any time."
STOPPED = "Tips are stopped. Send /start to get them again."
PAUSED = "Tips are paused. Send /resume first."
NOT_ADMIN = "Only this group's admins can have the tip sent again."


def tip_by_ref(library: Library, tip_ref: str) -> Tip | None:
    """The tip a button stands for; None if this content has no such tip (any more)."""
    return next((tip for tip in library.tips if ref(tip.id) == tip_ref), None)


def local_now(chat: Chat, now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(chat.timezone))


def offers_evening(chat: Chat, now: dt.datetime) -> bool:
    return local_now(chat, now).time() < EVENING_OFFERED_UNTIL


def later_set_keyboard(
    codec: CallbackCodec, chat_id: int, tip_id: str, when: str
) -> InlineKeyboardMarkup:
    """The tip's buttons without Later, and one line saying when the tip comes back."""
    rows = tip_keyboard(codec, chat_id, tip_id, later=False).inline_keyboard
    line = Buttons(codec, chat_id)(f"⏰ Coming back {when}", TIP_FAMILY, TIP_WHEN, ref(tip_id))
    return InlineKeyboardMarkup([*rows, [line]])


def when_text(chat: Chat, at: dt.datetime, now: dt.datetime) -> str:
    """When, in the chat's words: "at 19:00", or "tomorrow at 07:00" when quiet hours
    push it past midnight."""
    local, today = local_now(chat, at), local_now(chat, now).date()
    if local.date() == today:
        return f"at {local:%H:%M}"
    if local.date() == today + dt.timedelta(days=1):
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%a} at {local:%H:%M}"


def later_instant(chat: Chat, act: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """When the person asked for the tip again, and when it will come (moved out of quiet
    hours); None when this evening has already passed."""
    tz = ZoneInfo(chat.timezone)
    if act == TIP_HOUR:
        asked = now + IN_AN_HOUR
    else:
        asked = local_instant(local_now(chat, now).date(), EVENING, tz)
        if asked <= now:
            return None
    return asked, out_of_quiet(asked, tz, chat.quiet_start, chat.quiet_end)


async def replace_keyboard(message: Message, markup: InlineKeyboardMarkup) -> None:
    # Telegram refuses an edit that changes nothing (a double tap on Back, say).
    if message.reply_markup == markup:
        return
    with contextlib.suppress(BadRequest):  # the message was deleted after the tap
        await message.edit_reply_markup(markup)


async def tip_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    fields = await pressed(update, context, TIP_FAMILY, STALE)
    if query is None or fields is None:
        return
    message = query.message
    # Stage.INACCESSIBLE already answers presses on messages Telegram no longer shows.
    if len(fields) != 2 or fields[0] not in ACTS or not isinstance(message, Message):
        await query.answer(STALE)
        return
    act, tip_ref = fields
    svc = services_of(context)
    tip = tip_by_ref(svc.library, tip_ref)
    if tip is None:
        await query.answer(UNKNOWN_TIP)
        return
    user = update.effective_user
    if act in LATER_ACTS and not await is_admin(context, message.chat, user, None):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    user_id = user.id if user is not None else None
    if act in (TIP_UP, TIP_DOWN):
        await _vote(query, svc, message, tip, helpful=act == TIP_UP, user_id=user_id)
    elif act == TIP_MORE:
        await _more(query, svc, message, tip, user_id)
    elif act in (TIP_HOUR, TIP_EVENING):
        await _later(query, svc, message, tip, act, user_id)
    elif act == TIP_WHEN:
        await _when(query, svc, message, tip)
    else:
        await _switch(query, svc, message, tip, later=act == TIP_LATER)


async def _record(
    svc: Services,
    message: Message,
    tip: Tip,
    action: TipAction,
    *,
    helpful: bool | None = None,
    user_id: int | None,
) -> Recorded:
    now = svc.now()
    async with svc.db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, message.chat.id)
        if row is None:
            return Recorded.UNKNOWN_CHAT
        return await learning.record_tip_action(
            session,
            row.id,
            message.message_id,
            tip.id,
            action,
            helpful=helpful,
            user_id=user_id,
            local_date=local_now(row, now).date(),
        )


async def _vote(
    query: CallbackQuery,
    svc: Services,
    message: Message,
    tip: Tip,
    *,
    helpful: bool,
    user_id: int | None,
) -> None:
    recorded = await _record(svc, message, tip, TipAction.VOTE, helpful=helpful, user_id=user_id)
    replies = {Recorded.RECORDED: NOTED, Recorded.ALREADY: ALREADY_RATED}
    await query.answer(replies.get(recorded, UNKNOWN_CHAT))


async def _more(
    query: CallbackQuery, svc: Services, message: Message, tip: Tip, user_id: int | None
) -> None:
    recorded = await _record(svc, message, tip, TipAction.MORE, user_id=user_id)
    if recorded is not Recorded.RECORDED:
        await query.answer(MORE_ALREADY if recorded is Recorded.ALREADY else UNKNOWN_CHAT)
        return
    await query.answer()
    # The very message /ask sends for this entry: answer, source, related questions and
    # its own 👍/👎.
    await send_answer(message, svc, svc.library.faq_for_tip(tip.id))


async def _known_chat(svc: Services, chat_id: int) -> Chat | None:
    async with svc.db.session() as session:
        return await session.get(Chat, chat_id)


async def _switch(
    query: CallbackQuery, svc: Services, message: Message, tip: Tip, *, later: bool
) -> None:
    """Open the Later choices, or go back from them to the tip's buttons."""
    row = await _known_chat(svc, message.chat.id)
    if row is None:
        await query.answer(UNKNOWN_CHAT)
        return
    await query.answer()
    if later:
        evening = offers_evening(row, svc.now())
        markup = later_keyboard(svc.codec, row.id, tip.id, evening=evening)
    else:
        markup = tip_keyboard(svc.codec, row.id, tip.id)
    await replace_keyboard(message, markup)


async def _when(query: CallbackQuery, svc: Services, message: Message, tip: Tip) -> None:
    row, now = await _known_chat(svc, message.chat.id), svc.now()
    if row is None:
        text = UNKNOWN_CHAT
    elif row.later_tip_id == tip.id and row.later_at is not None and row.later_at > now:
        text = f"⏰ This tip comes back {when_text(row, row.later_at, now)}."
    else:
        text = LATER_GONE
    await query.answer(text)


async def _later(
    query: CallbackQuery,
    svc: Services,
    message: Message,
    tip: Tip,
    act: str,
    user_id: int | None,
) -> None:
    chat_id, now = message.chat.id, svc.now()
    markup: InlineKeyboardMarkup | None = None
    async with svc.db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, chat_id)
        times = later_instant(row, act, now) if row is not None else None
        if row is None:
            text = UNKNOWN_CHAT
        elif row.status != "active":
            text = STOPPED
        elif preferences.is_paused(row, now):
            text = PAUSED
        elif times is None:
            text = EVENING_GONE
            markup = later_keyboard(svc.codec, chat_id, tip.id, evening=False)
        elif await learning.later_sent_on(session, chat_id, local_now(row, times[1]).date()):
            text = LATER_USED
        else:
            asked, at = times
            recorded = await learning.record_tip_action(
                session, chat_id, message.message_id, tip.id, TipAction.LATER,
                user_id=user_id, local_date=local_now(row, now).date(),
            )  # fmt: skip
            if recorded is not Recorded.RECORDED:
                text = LATER_ALREADY
            else:
                # Checked above under the row lock, so this cannot refuse.
                await learning.set_later(session, chat_id, tip.id, at)
                when = when_text(row, at, now)
                text = f"⏰ I'll send it again {when}."
                if at != asked:
                    text = f"🌙 That's in your quiet hours, so I'll send it again {when}."
                markup = later_set_keyboard(svc.codec, chat_id, tip.id, when)
    await query.answer(text)
    if markup is not None:
        await replace_keyboard(message, markup)


def register(application: AnyApplication) -> None:
    application.add_handler(CallbackQueryHandler(tip_press, pattern=rf"^{TIP_FAMILY}\|"))


FEATURE = Feature([], register)
