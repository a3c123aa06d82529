"""The buttons under a tip (👍 / 👎, 📖 Tell me more, ⏰ Later) through the fake Bot API, on
SQLite and PostgreSQL: each works, a double tap stores one reaction, and forged, foreign or
stale presses get a short answer and store nothing."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.handlers import tip_actions
from bot.menus.callbacks import ref
from bot.services import services_in
from runtime.signing import CallbackCodec
from scheduler.buttons import TIP_FAMILY
from storage.models import Chat, Delivery, LearningDay, TipReaction
from tests.harness import BotHarness, Reply, set_chat
from tests.menu_helpers import row

CHAT = 1001
STRANGER = 2002
GROUP = -1001234567
OWNER, MEMBER = 7, 9


def _codec(bot: BotHarness) -> CallbackCodec:
    return services_in(bot.application).codec


async def _tip(bot: BotHarness, chat_id: int = CHAT, **options: Any) -> tuple[Reply, int, str]:
    """/tip in the chat: the message, its id and the tip it carries (read from a button)."""
    replies = await bot.send("/tip", chat_id, **options)
    assert len(replies) == 1
    tip = replies[0]
    fields = _codec(bot).verify(chat_id, tip.button("👍"), TIP_FAMILY)
    assert fields is not None and fields[0] == "u"
    found = tip_actions.tip_by_ref(bot.library, fields[1])
    assert found is not None
    return tip, bot.last_message_id(chat_id), found.id


async def _press(
    bot: BotHarness, message_id: int, data: str, chat_id: int = CHAT, **options: Any
) -> tuple[list[Reply], str | None, bool]:
    """Tap; the replies, the answerCallbackQuery text and whether it was an alert."""
    replies, answer = await bot.press(chat_id, message_id, data, **options)
    assert answer is not None, "every press is answered"
    text = answer.params.get("text")
    return replies, str(text) if text else None, bool(answer.params.get("show_alert"))


def _keyboard(bot: BotHarness, chat_id: int = CHAT) -> Reply:
    """The newest message in the chat as it looks now (after edits of its buttons)."""
    message = bot.api.last_message(chat_id)
    assert message is not None
    return Reply("sendMessage", {"text": message.text, "reply_markup": message.reply_markup})


def _labels(reply: Reply) -> list[str]:
    return [label for label, _ in reply.buttons]


async def _reactions(bot: BotHarness) -> list[tuple[int, int, str, str, bool | None]]:
    async with bot.db.session() as session:
        rows = await session.scalars(select(TipReaction).order_by(TipReaction.id))
        return [(r.chat_id, r.message_id, r.tip_id, r.action, r.helpful) for r in rows]


async def _learning_days(bot: BotHarness) -> int:
    async with bot.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(LearningDay)) or 0)


async def _chat(bot: BotHarness, chat_id: int = CHAT) -> Chat:
    chat = await row(bot, chat_id)
    assert chat is not None
    return chat


def _zone_where_hour_is(hours: range) -> str:
    """A fixed-offset zone whose local hour is now in `hours` (tests of "this evening")."""
    now = dt.datetime.now(dt.UTC)
    for offset in range(-12, 15):
        if (now.hour + offset) % 24 in hours:
            # Etc/GMT zones count the other way round: Etc/GMT-3 is UTC+3.
            return f"Etc/GMT{-offset:+d}" if offset else "UTC"
    raise AssertionError("every hour of the day has a zone")


def _next_local(after: dt.datetime, at: dt.time, zone: str) -> dt.datetime:
    """The first instant after `after` when the clock in `zone` shows `at`."""
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date()
    for offset in range(2):
        candidate = dt.datetime.combine(day + dt.timedelta(days=offset), at, tz)
        if candidate > after:
            return candidate.astimezone(dt.UTC)
    raise AssertionError("a clock time comes within a day")


async def test_tip_carries_buttons_and_a_vote_counts_once(bot: BotHarness) -> None:
    await bot.send("/start")
    tip, message_id, tip_id = await _tip(bot)
    assert _labels(tip) == ["👍", "👎", "📖 Tell me more", "⏰ Later"]
    assert bot.library.tip(tip_id).title in html.unescape(tip.text)
    assert all(len(data.encode()) <= 64 for _, data in tip.buttons)

    replies, text, _ = await _press(bot, message_id, tip.button("👍"))
    assert text == tip_actions.NOTED and replies == []
    # A double tap, and a change of mind, store nothing more: the first vote counts.
    for label in ("👍", "👎"):
        replies, text, _ = await _press(bot, message_id, tip.button(label))
        assert text == tip_actions.ALREADY_RATED and replies == []
    assert await _reactions(bot) == [(CHAT, message_id, tip_id, "vote", True)]
    assert await _learning_days(bot) == 1

    # Another tip message takes its own vote.
    second, second_id, second_tip = await _tip(bot)
    _, text, _ = await _press(bot, second_id, second.button("👎"))
    assert text == tip_actions.NOTED
    assert (await _reactions(bot))[-1] == (CHAT, second_id, second_tip, "vote", False)
    assert await _learning_days(bot) == 1  # the same day
    assert [c for c in bot.api.calls if c.status == 400] == []


async def test_tip_for_a_chat_that_never_started_has_no_buttons(bot: BotHarness) -> None:
    replies = await bot.send("/tip", STRANGER)
    assert len(replies) == 1 and "/start" in replies[0].text and replies[0].buttons == []


async def test_tell_me_more_sends_the_tips_faq_answer_once(bot: BotHarness) -> None:
    await bot.send("/start")
    tip, message_id, tip_id = await _tip(bot)
    entry = bot.library.faq_for_tip(tip_id)
    replies, text, _ = await _press(bot, message_id, tip.button("Tell me more"))
    assert text is None
    assert [r.method for r in replies] == ["sendMessage"]
    answer = replies[0]
    # Rendered exactly as /ask renders the entry.
    plain = html.unescape(answer.text)
    assert entry.question in plain and entry.answer[:60] in plain and "Source:" in plain
    votes = [_codec(bot).verify(CHAT, data, "vt") for _, data in answer.buttons]
    assert ("+", entry.id) in votes and ("-", entry.id) in votes

    replies, text, _ = await _press(bot, message_id, tip.button("Tell me more"))
    assert text == tip_actions.MORE_ALREADY and replies == []
    assert await _reactions(bot) == [(CHAT, message_id, tip_id, "more", None)]


async def test_later_in_an_hour_and_back(bot: BotHarness) -> None:
    await bot.send("/start")
    tip, message_id, tip_id = await _tip(bot)
    replies, text, _ = await _press(bot, message_id, tip.button("Later"))
    assert text is None and [r.method for r in replies] == ["editMessageReplyMarkup"]
    choices = _keyboard(bot)
    assert "⏰ In an hour" in _labels(choices) and "↩️ Back" in _labels(choices)
    replies, _, _ = await _press(bot, message_id, choices.button("Back"))
    assert _labels(_keyboard(bot)) == _labels(tip)
    # Back twice: the keyboard is already the tip's, so nothing is edited (no 400).
    replies, _, _ = await _press(bot, message_id, choices.button("Back"))
    assert replies == []

    await _press(bot, message_id, tip.button("Later"))
    before = dt.datetime.now(dt.UTC)
    replies, text, _ = await _press(bot, message_id, choices.button("In an hour"))
    after = dt.datetime.now(dt.UTC)
    chat = await _chat(bot)
    assert chat.later_tip_id == tip_id and chat.later_at is not None
    assert before + dt.timedelta(hours=1) <= chat.later_at <= after + dt.timedelta(hours=1)
    assert chat.next_due_at is not None and chat.next_due_at <= chat.later_at
    # The chat keeps UTC: after 23:00, an hour later is tomorrow.
    when = ("tomorrow " if chat.later_at.date() > before.date() else "") + "at "
    when += f"{chat.later_at:%H:%M}"
    assert text == f"⏰ I'll send it again {when}."
    done = _keyboard(bot)
    assert _labels(done) == [
        "👍",
        "👎",
        "📖 Tell me more",
        f"⏰ Coming back {when}",
    ]
    assert await _reactions(bot) == [(CHAT, message_id, tip_id, "later", None)]

    # A double tap on "In an hour" (the old keyboard) changes nothing.
    replies, text, _ = await _press(bot, message_id, choices.button("In an hour"))
    assert text == tip_actions.LATER_ALREADY and replies == []
    assert (await _chat(bot)).later_at == chat.later_at
    _, text, _ = await _press(bot, message_id, done.button("Coming back"))
    assert text == f"⏰ This tip comes back {when}."
    assert len(await _reactions(bot)) == 1
    # Once the engine has sent it again (and cleared the Later), the line says so.
    await set_chat(bot, later_tip_id=None, later_at=None)
    _, text, _ = await _press(bot, message_id, done.button("Coming back"))
    assert text == tip_actions.LATER_GONE
    assert [c for c in bot.api.calls if c.status == 400] == []


async def test_later_inside_quiet_hours_moves_to_their_end(bot: BotHarness) -> None:
    await bot.send("/start")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    start = (soon - dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    end = (soon + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    await set_chat(bot, quiet_start=start, quiet_end=end)
    tip, message_id, _ = await _tip(bot)
    await _press(bot, message_id, tip.button("Later"))
    _, text, _ = await _press(bot, message_id, _keyboard(bot).button("In an hour"))
    chat = await _chat(bot)
    assert chat.later_at == _next_local(soon, end, "UTC")
    assert text is not None and "quiet hours" in text and f"{end:%H:%M}" in text


async def test_this_evening_is_19_00_local_and_offered_only_before_18_00(bot: BotHarness) -> None:
    await bot.send("/start")
    zone = _zone_where_hour_is(range(8, 16))
    await set_chat(bot, timezone=zone)
    tip, message_id, tip_id = await _tip(bot)
    await _press(bot, message_id, tip.button("Later"))
    choices = _keyboard(bot)
    _, text, _ = await _press(bot, message_id, choices.button("This evening"))
    today = dt.datetime.now(ZoneInfo(zone)).date()
    evening = dt.datetime.combine(today, dt.time(19, 0), ZoneInfo(zone))
    chat = await _chat(bot)
    assert chat.later_at == evening and chat.later_tip_id == tip_id
    assert text == "⏰ I'll send it again at 19:00."

    # Late in the day the choice is not offered, and a stale "this evening" is refused.
    late = _zone_where_hour_is(range(19, 23))
    await set_chat(bot, timezone=late, later_at=None, later_tip_id=None)
    tip, message_id, _ = await _tip(bot)
    await _press(bot, message_id, tip.button("Later"))
    assert "🌙 This evening" not in _labels(_keyboard(bot))
    stale = choices.button("This evening")
    data = _codec(bot).sign(CHAT, TIP_FAMILY, "e", stale.split("|")[2])
    _, text, _ = await _press(bot, message_id, data)
    assert text == tip_actions.EVENING_GONE
    assert (await _chat(bot)).later_at is None
    assert len([r for r in await _reactions(bot) if r[3] == "later"]) == 1


async def test_evening_inside_quiet_hours_comes_when_they_end(bot: BotHarness) -> None:
    await bot.send("/start")
    zone = _zone_where_hour_is(range(8, 16))
    await set_chat(bot, timezone=zone, quiet_start=dt.time(18, 0), quiet_end=dt.time(8, 0))
    tip, message_id, _ = await _tip(bot)
    await _press(bot, message_id, tip.button("Later"))
    _, text, _ = await _press(bot, message_id, _keyboard(bot).button("This evening"))
    tomorrow = dt.datetime.now(ZoneInfo(zone)).date() + dt.timedelta(days=1)
    chat = await _chat(bot)
    assert chat.later_at == dt.datetime.combine(tomorrow, dt.time(8, 0), ZoneInfo(zone))
    assert text == "🌙 That's in your quiet hours, so I'll send it again tomorrow at 08:00."
    assert "⏰ Coming back tomorrow at 08:00" in _labels(_keyboard(bot))


async def test_forged_foreign_and_unknown_presses_store_nothing(bot: BotHarness) -> None:
    await bot.send("/start")
    tip, message_id, tip_id = await _tip(bot)
    codec = _codec(bot)
    up = tip.button("👍")
    body, mac = up.rsplit("|", 1)
    attempts = {
        body.replace("tp|u|", "tp|h|") + "|" + mac: tip_actions.STALE,  # edited, MAC kept
        codec.sign(STRANGER, TIP_FAMILY, "u", ref(tip_id)): tip_actions.STALE,  # other chat's
        body + "|AAAAAAAAAA": tip_actions.STALE,
        body + "|ÄÖÜ💥": tip_actions.STALE,
        "tp|u|" + ref(tip_id): tip_actions.STALE,
        "tp|": tip_actions.STALE,
        codec.sign(CHAT, TIP_FAMILY, "z", ref(tip_id)): tip_actions.STALE,  # unknown act
        codec.sign(CHAT, TIP_FAMILY, "u"): tip_actions.STALE,  # missing field
        codec.sign(CHAT, TIP_FAMILY, "u", ref(tip_id), "x"): tip_actions.STALE,
        codec.sign(CHAT, TIP_FAMILY, "u", "no-such-tip"): tip_actions.UNKNOWN_TIP,
        codec.sign(CHAT, TIP_FAMILY, "h", "~AAAAAAAAAAAA"): tip_actions.UNKNOWN_TIP,
    }
    for data, expected in attempts.items():
        replies, text, _ = await _press(bot, message_id, data)
        assert text == expected, data
        assert replies == []
    assert await _reactions(bot) == []
    assert (await _chat(bot)).later_at is None

    # Properly signed buttons in a chat that never sent /start (or sent /forget since).
    await bot.send("/tip", STRANGER)
    stranger_message = bot.last_message_id(STRANGER)
    for act in ("u", "m", "l", "h", "e", "b", "w"):
        data = codec.sign(STRANGER, TIP_FAMILY, act, ref(tip_id))
        replies, text, _ = await _press(bot, stranger_message, data, STRANGER)
        assert text == tip_actions.UNKNOWN_CHAT, act
        assert replies == []
    assert await _reactions(bot) == [] and await row(bot, STRANGER) is None
    assert [c for c in bot.api.calls if c.status == 400] == []


async def test_paused_or_stopped_chats_cannot_snooze(bot: BotHarness) -> None:
    await bot.send("/start")
    tip, message_id, _ = await _tip(bot)
    await set_chat(bot, paused_indefinitely=True)
    await _press(bot, message_id, tip.button("Later"))
    _, text, _ = await _press(bot, message_id, _keyboard(bot).button("In an hour"))
    assert text == tip_actions.PAUSED
    await set_chat(bot, paused_indefinitely=False, status="stopped")
    _, text, _ = await _press(bot, message_id, _keyboard(bot).button("In an hour"))
    assert text == tip_actions.STOPPED
    assert (await _chat(bot)).later_at is None and await _reactions(bot) == []
    # Votes still count: the tip was read either way.
    _, text, _ = await _press(bot, message_id, tip.button("👍"))
    assert text == tip_actions.NOTED


async def test_in_a_group_anyone_votes_but_only_admins_snooze(bot: BotHarness) -> None:
    bot.api.set_admins(GROUP, [], creator=OWNER)
    group = {"chat_type": "supergroup"}
    await bot.send("/start", GROUP, user_id=OWNER, **group)
    tip, message_id, tip_id = await _tip(bot, GROUP, user_id=OWNER, **group)
    _, text, _ = await _press(bot, message_id, tip.button("👍"), GROUP, user_id=MEMBER)
    assert text == tip_actions.NOTED
    _, text, _ = await _press(bot, message_id, tip.button("👎"), GROUP, user_id=OWNER)
    assert text == tip_actions.ALREADY_RATED
    replies, text, alert = await _press(bot, message_id, tip.button("Later"), GROUP, user_id=MEMBER)
    assert text == tip_actions.NOT_ADMIN and alert and replies == []
    replies, text, _ = await _press(bot, message_id, tip.button("Later"), GROUP, user_id=OWNER)
    assert [r.method for r in replies] == ["editMessageReplyMarkup"]
    assert await _reactions(bot) == [(GROUP, message_id, tip_id, "vote", True)]


async def test_a_second_later_on_a_day_that_already_had_one_is_refused(bot: BotHarness) -> None:
    """The ledger sends at most one tip again per local day: a promise of another would be
    broken silently, so the button says so instead and nothing is stored."""
    await bot.send("/start")
    tip, message_id, tip_id = await _tip(bot)
    chat = await _chat(bot)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo(chat.timezone)).date()
    async with bot.db.session() as session:
        # Today and tomorrow: "in an hour" may fall after midnight.
        for day in (today, today + dt.timedelta(days=1)):
            session.add(
                Delivery(
                    chat_id=CHAT,
                    local_date=day,
                    kind="later",
                    item_id=tip_id,
                    status="sent",
                    due_at=now,
                    sent_at=now,
                )
            )
    await _press(bot, message_id, tip.button("Later"))
    _, text, _ = await _press(bot, message_id, _keyboard(bot).button("In an hour"))
    assert text == tip_actions.LATER_USED
    assert (await _chat(bot)).later_at is None
    assert await _reactions(bot) == []
