"""Quiet hours and the weekly quiz in /settings through the fake Bot API, on both backends:
buttons and typed windows round trip, bad input gets a helpful reply, and every change
moves the chat's next delivery."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.services import services_in
from storage.models import Chat
from tests.harness import BotHarness, set_chat
from tests.menu_helpers import open_settings, row, tap

CHAT = 1001


async def _current(bot: BotHarness) -> Chat:
    chat = await row(bot)
    assert chat is not None
    return chat


def _local_due(chat: Chat) -> dt.datetime:
    assert chat.next_due_at is not None
    return chat.next_due_at.astimezone(ZoneInfo(chat.timezone))


async def test_overview_shows_quiet_hours_and_quiz(bot: BotHarness) -> None:
    await bot.send("/start")
    settings = await open_settings(bot)
    assert "🌙 Quiet hours: off" in settings.text
    assert "🧠 Weekly quiz: 3 questions on Sundays" in settings.text
    labels = [label for label, _ in settings.buttons]
    assert "🌙 Quiet: off" in labels and "🧠 Quiz: Sun" in labels


async def test_quiet_hours_by_button(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    replies, _ = await tap(bot, CHAT, "🌙")
    assert "<b>Quiet hours</b>: off" in replies[0].text and "10pm to 7am" in replies[0].text
    assert [label for label, _ in replies[0].buttons][:4] == [
        "22:00–07:00", "21:00–08:00", "23:00–06:00", "✅ Off",
    ]  # fmt: skip
    replies, _ = await tap(bot, CHAT, "22:00–07:00")
    assert "✅ Quiet hours: <b>22:00–07:00</b>" in replies[0].text
    assert "🌙 Quiet hours: 22:00–07:00" in replies[0].text  # back on the overview
    chat = await _current(bot)
    assert (chat.quiet_start, chat.quiet_end) == (dt.time(22, 0), dt.time(7, 0))
    assert chat.awaiting is None
    # 09:00 is outside the window: tips keep their time.
    assert (_local_due(chat).hour, _local_due(chat).minute) == (9, 0)

    replies, _ = await tap(bot, CHAT, "🌙")
    assert "✅ 22:00–07:00" in [label for label, _ in replies[0].buttons]
    replies, _ = await tap(bot, CHAT, "Off")
    assert "Quiet hours off" in replies[0].text
    chat = await _current(bot)
    assert (chat.quiet_start, chat.quiet_end) == (None, None)


async def test_quiet_hours_by_typing(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    for typed, window in [
        ("22:00-07:00", (dt.time(22, 0), dt.time(7, 0))),
        ("10pm to 7am", (dt.time(22, 0), dt.time(7, 0))),
        ("from 9:30 pm until 6", (dt.time(21, 30), dt.time(6, 0))),
        ("13-14", (dt.time(13, 0), dt.time(14, 0))),
        ("off", (None, None)),
    ]:
        await tap(bot, CHAT, "🌙")
        assert (await _current(bot)).awaiting == "quiet"
        # The settings menu comes again below the answer (the old one loses its buttons).
        sent = [r for r in await bot.send(typed) if r.method == "sendMessage"]
        assert len(sent) == 1 and "✅ Quiet hours" in sent[0].text, typed
        chat = await _current(bot)
        assert (chat.quiet_start, chat.quiet_end) == window, typed
        assert chat.awaiting is None


async def test_bad_quiet_hours_get_a_helpful_reply_and_keep_the_question(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    await tap(bot, CHAT, "🌙")
    await tap(bot, CHAT, "23:00–06:00")
    await tap(bot, CHAT, "🌙")
    for bad, hint in [
        ("22:00-22:00", "different start and end"),
        ("10pm to 10pm", "different start and end"),
        ("tonight", "e.g. 22:00-07:00"),
        ("25:00-07:00", "e.g. 22:00-07:00"),
        ("<b>9</b>-7", "e.g. 22:00-07:00"),
        ("9" * 5000, "too long"),
        ("🌙🌙", "e.g. 22:00-07:00"),
    ]:
        replies = await bot.send(bad)
        assert len(replies) == 1, bad[:20]
        assert hint in replies[0].text and "Back" in replies[0].text, bad[:20]
        assert "<b>9" not in replies[0].text and "9" * 50 not in replies[0].text
        chat = await _current(bot)
        assert (chat.quiet_start, chat.quiet_end) == (dt.time(23, 0), dt.time(6, 0))
        assert chat.awaiting == "quiet"
    replies = await bot.send("21:00 - 08:00")
    assert "21:00–08:00" in replies[0].text


async def test_tip_time_inside_quiet_hours_comes_at_their_end(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    await tap(bot, CHAT, "🌙")
    replies = await bot.send("8:00-10:30")
    assert "tip time 09:00 is inside them" in replies[0].text
    assert "will come at 10:30" in replies[0].text
    chat = await _current(bot)
    assert (_local_due(chat).hour, _local_due(chat).minute) == (10, 30)
    # The quiet-hours screen says so too, and turning them off puts tips back at 09:00.
    replies, _ = await tap(bot, CHAT, "🌙")
    assert "will come at 10:30" in replies[0].text
    await tap(bot, CHAT, "Off")
    chat = await _current(bot)
    assert (_local_due(chat).hour, _local_due(chat).minute) == (9, 0)


async def test_weekly_quiz_day_and_size(bot: BotHarness) -> None:
    await bot.send("/start")
    await open_settings(bot)
    replies, _ = await tap(bot, CHAT, "🧠")
    labels = [label for label, _ in replies[0].buttons]
    assert labels[:3] == ["Off", "✅ 3 questions", "5 questions"] and "✅ Sun" in labels
    replies, _ = await tap(bot, CHAT, "5 questions")
    assert "5 questions on Sundays" in replies[0].text
    replies, _ = await tap(bot, CHAT, "Wed")
    assert "✅ Wed" in [label for label, _ in replies[0].buttons]
    chat = await _current(bot)
    assert (chat.quiz_size, chat.quiz_weekday) == (5, 2)

    replies, _ = await tap(bot, CHAT, "Off")
    assert "off (/quiz still works any time)" in replies[0].text
    # With no scheduled quiz there is no day to pick.
    assert "Wed" not in [label for label, _ in replies[0].buttons]
    assert (await _current(bot)).quiz_size == 0
    replies, _ = await tap(bot, CHAT, "Back")
    assert "🧠 Weekly quiz: off" in replies[0].text
    assert "🧠 Quiz: off" in [label for label, _ in replies[0].buttons]


async def test_quiz_day_moves_a_weekly_schedules_next_delivery(bot: BotHarness) -> None:
    await bot.send("/start")
    # Tips on Mondays at midnight, no quiz: today's slot (if any) has passed, and the quiz
    # day chosen below, tomorrow, comes before (or on) the next Monday.
    await set_chat(
        bot, frequency="weekly", food_mode="off", quiz_size=0, delivery_time=dt.time(0, 0)
    )
    await open_settings(bot)
    await tap(bot, CHAT, "🧠")
    await tap(bot, CHAT, "3 questions")
    quiz_day = (dt.datetime.now(dt.UTC).weekday() + 1) % 7
    await tap(bot, CHAT, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[quiz_day])
    chat = await _current(bot)
    assert chat.quiz_weekday == quiz_day
    assert _local_due(chat).weekday() == quiz_day


async def test_forged_quiet_hours_buttons_change_nothing(bot: BotHarness) -> None:
    await bot.send("/start")
    settings = await open_settings(bot)
    version = (await _current(bot)).menu_version
    codec = services_in(bot.application).codec
    message_id = bot.last_message_id(CHAT)
    for arg in ["2200", "22000700x", "22002200", "9999", "off2", "", "25000700"]:
        data = codec.encode(CHAT, version, "qh", arg)
        replies, answer = await bot.press(CHAT, message_id, data)
        assert answer is not None and replies == [], arg
    for action, arg in [("qs", "4"), ("qs", "x"), ("qd", "7"), ("qd", "-1")]:
        data = codec.encode(CHAT, version, action, arg)
        replies, answer = await bot.press(CHAT, message_id, data)
        assert answer is not None and replies == [], (action, arg)
    chat = await _current(bot)
    assert (chat.quiet_start, chat.quiz_size, chat.quiz_weekday) == (None, 3, 6)
    assert settings.buttons
