"""Onboarding, /settings, /pause and /resume through the fake Bot API, on both backends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.handlers.pause import STREAK_FROZEN, STREAK_KEPT
from bot.menus.callbacks import CallbackCodec
from bot.menus.kit import EXPIRED, STALE_BUTTON
from content import AgeBand, LifeStage, Profile, Sex, Topic
from storage.models import Chat
from tests.harness import BotHarness, Reply
from tests.menu_helpers import menu, open_settings, row, sent_text, tap

CHAT = 1001


async def _subscribed(bot: BotHarness) -> Chat:
    await bot.send("/start")
    chat = await row(bot)
    assert chat is not None
    return chat


async def _current(bot: BotHarness) -> Chat:
    chat = await row(bot)
    assert chat is not None
    return chat


def _assert_due_at_local_time(chat: Chat) -> None:
    """next_due_at was recomputed: the chat's own time, in its own zone, within a week."""
    assert chat.next_due_at is not None
    local = chat.next_due_at.astimezone(ZoneInfo(chat.timezone))
    assert (local.hour, local.minute) == (chat.delivery_time.hour, chat.delivery_time.minute)
    now = dt.datetime.now(dt.UTC)
    assert now < chat.next_due_at <= now + dt.timedelta(days=8)


async def test_onboarding_offers_time_zone_and_time(bot: BotHarness) -> None:
    replies = await bot.send("/start")
    welcome = menu(replies)
    assert "subscribed" in welcome.text and "09:00" in welcome.text and "UTC" in welcome.text
    assert {"🌍 Set time zone", "⏰ Set time", "Skip for now"} == {b[0] for b in welcome.buttons}

    replies, _ = await tap(bot, CHAT, "Set time zone")
    # The welcome stays (its buttons go) and the time zone question opens below it.
    assert [r.method for r in replies] == ["editMessageReplyMarkup", "sendMessage"]
    assert "type your city" in replies[1].text

    replies = await bot.send("Berlin")
    assert "Europe/Berlin" in replies[0].text and "there now" in replies[0].text
    chat = await _current(bot)
    assert chat.timezone == "Europe/Berlin" and chat.awaiting is None
    _assert_due_at_local_time(chat)


async def test_skipping_onboarding_keeps_defaults(bot: BotHarness) -> None:
    await bot.send("/start")
    replies, answer = await tap(bot, CHAT, "Skip")
    assert [r.method for r in replies] == ["editMessageReplyMarkup"]
    assert answer is not None and "/settings" in answer
    chat = await _current(bot)
    assert chat.timezone == "UTC" and chat.delivery_time == dt.time(9, 0)


async def test_menu_shows_current_values_and_edits_in_place(bot: BotHarness) -> None:
    await _subscribed(bot)
    settings = await open_settings(bot)
    assert "UTC" in settings.text and "every day at 09:00" in settings.text
    labels = [label for label, _ in settings.buttons]
    assert "🌍 UTC" in labels and "⏰ 09:00" in labels and "📚 Topics (11)" in labels

    replies, _ = await tap(bot, CHAT, "⏰ 09:00")
    assert [r.method for r in replies] == ["editMessageText"]
    assert "✅ 09:00" in [label for label, _ in replies[0].buttons]
    replies, _ = await tap(bot, CHAT, "07:00")
    assert [r.method for r in replies] == ["editMessageText"]
    assert "07:00" in replies[0].text and "⏰ 07:00" in [b[0] for b in replies[0].buttons]
    assert (await _current(bot)).delivery_time == dt.time(7, 0)
    # Tapping the option already chosen renders the same screen: the bot sends no edit at
    # all (Telegram would refuse it with "message is not modified") and no apology.
    await tap(bot, CHAT, "Food")
    mark = len(bot.api.calls)
    replies, _ = await tap(bot, CHAT, "✅ With each tip")
    made = [c.method for c in bot.api.calls[mark:] if c.method != "getUpdates"]
    assert made == ["answerCallbackQuery"]
    assert replies == []
    assert [c for c in bot.api.calls if c.status == 400] == []
    assert (await _current(bot)).food_mode == "with_tip"


async def test_time_zone_by_button_and_by_typing(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "🌍")
    replies, _ = await tap(bot, CHAT, "Asia/Tokyo")
    assert "Asia/Tokyo" in replies[0].text and "there now" in replies[0].text
    chat = await _current(bot)
    assert chat.timezone == "Asia/Tokyo"
    _assert_due_at_local_time(chat)

    for typed, zone, shown in [
        ("berln", "Europe/Berlin", "Berlin, Germany"),
        ("UTC+2", "Etc/GMT-2", "UTC+2"),
        ("america/new york", "America/New_York", "America/New_York"),
        ("gmt-5", "Etc/GMT+5", "UTC-5"),
    ]:
        await tap(bot, CHAT, "🌍")
        replies = await bot.send(typed)
        assert len([r for r in replies if r.method == "sendMessage"]) == 1
        confirmation = replies[0].text
        assert shown in confirmation and "there now" in confirmation
        local_now = dt.datetime.now(ZoneInfo(zone))
        assert f"{local_now:%H}:" in confirmation
        chat = await _current(bot)
        assert chat.timezone == zone and chat.awaiting is None
        _assert_due_at_local_time(chat)


async def test_bad_time_zones_keep_the_question_open(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "🌍")
    for bad in ["Mars/Olympus", "UTC+15", "x" * 5000, "🙂" * 40, "<b>qqqzzz</b> & co"]:
        replies = await bot.send(bad)
        assert len(replies) == 1, bad[:20]
        assert "e.g." in replies[0].text or "Europe/Berlin" in replies[0].text
        # Nothing of the input is echoed unescaped, and huge input is not echoed at all.
        assert "<b>qqq" not in replies[0].text
        assert "x" * 100 not in replies[0].text and "🙂" * 10 not in replies[0].text
        chat = await _current(bot)
        assert chat.timezone == "UTC" and chat.awaiting == "timezone"
    replies = await bot.send("Sydney")
    assert "Australia/Sydney" in replies[0].text
    assert (await _current(bot)).timezone == "Australia/Sydney"


async def test_shared_location_sets_the_zone(bot: BotHarness) -> None:
    await _subscribed(bot)
    replies = await bot.send_location(CHAT, 35.68, 139.69)
    assert "Asia/Tokyo" in replies[0].text and "there now" in replies[0].text
    assert (await _current(bot)).timezone == "Asia/Tokyo"


async def test_location_from_an_unknown_chat_asks_for_start(bot: BotHarness) -> None:
    replies = await bot.send_location(CHAT, 52.52, 13.40)
    assert "/start" in replies[0].text
    assert await row(bot) is None


async def test_delivery_time_by_typing_and_bad_input(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    for typed, expected in [("8", "08:00"), ("8:30", "08:30"), ("8am", "08:00"), ("20:15", "20:15"),
                            ("8:30 pm", "20:30")]:  # fmt: skip
        await tap(bot, CHAT, "⏰")
        replies = await bot.send(typed)
        assert f"Tips now come at <b>{expected}</b>" in replies[0].text
        chat = await _current(bot)
        assert f"{chat.delivery_time:%H:%M}" == expected
        _assert_due_at_local_time(chat)
    await tap(bot, CHAT, "⏰")
    for bad in ["25:99", "24:00", "9" * 5000, "🕗🕗", "<i>8</i>"]:
        replies = await bot.send(bad)
        assert len(replies) == 1 and "e.g." in replies[0].text
        assert "<i>8" not in replies[0].text
        chat = await _current(bot)
        assert chat.delivery_time == dt.time(20, 30) and chat.awaiting == "time"


async def test_a_command_closes_the_open_question(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "🌍")
    await bot.send("/help")
    assert (await _current(bot)).awaiting is None
    replies = await bot.send("Berlin")
    assert not any("Europe/Berlin" in r.text for r in replies)
    assert (await _current(bot)).timezone == "UTC"


async def test_back_and_done(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "🌍")
    replies, _ = await tap(bot, CHAT, "Back")
    assert "⚙️ <b>Settings</b>" in replies[0].text
    assert (await _current(bot)).awaiting is None
    replies, answer = await tap(bot, CHAT, "Done")
    assert replies[0].method == "editMessageText" and not replies[0].buttons
    assert "Saved" in replies[0].text and answer == "Saved"


async def test_frequency(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "📅")
    replies, _ = await tap(bot, CHAT, "Weekdays")
    assert "on weekdays" in replies[0].text
    chat = await _current(bot)
    assert chat.frequency == "weekdays"
    _assert_due_at_local_time(chat)
    assert chat.next_due_at is not None and chat.next_due_at.weekday() < 5
    for label, value in [
        ("Mon, Wed, Fri", "three_weekly"),
        ("Weekly", "weekly"),
        ("Every day", "daily"),
    ]:
        await tap(bot, CHAT, "📅")
        await tap(bot, CHAT, label)
        assert (await _current(bot)).frequency == value


async def test_topics_multi_select_keeps_at_least_one(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "Topics")
    topics = list(Topic)
    for topic in topics[:-1]:
        await tap(bot, CHAT, topic.label)
    assert (await _current(bot)).topics == [topics[-1].value]
    replies, answer = await tap(bot, CHAT, topics[-1].label)
    assert answer is not None and "at least one" in answer and replies == []
    assert (await _current(bot)).topics == [topics[-1].value]
    replies, _ = await tap(bot, CHAT, "All topics")
    assert (await _current(bot)).topics == [t.value for t in topics]
    assert all(label.startswith("✅") for label, _ in replies[0].buttons if "Topics" not in label
               and label not in {"All topics", "⬅️ Back", "Done"})  # fmt: skip


async def test_food_schedule_and_diet(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "Food")
    replies, _ = await tap(bot, CHAT, "Once a week")
    assert "Wed" in [label for label, _ in replies[0].buttons]
    await tap(bot, CHAT, "Wed")
    chat = await _current(bot)
    assert (chat.food_mode, chat.food_weekday) == ("weekly", 2)
    _assert_due_at_local_time(chat)
    await tap(bot, CHAT, "Off")
    assert (await _current(bot)).food_mode == "off"

    await tap(bot, CHAT, "Back")
    await tap(bot, CHAT, "Diet")
    await tap(bot, CHAT, "Vegan")
    replies, _ = await tap(bot, CHAT, "No soy")
    labels = [label for label, _ in replies[0].buttons]
    assert "✅ Vegan" in labels and "✅ No soy" in labels and "▫️ No fish" in labels
    assert (await _current(bot)).diet == ["vegan", "no_soy"]
    await tap(bot, CHAT, "No restrictions")
    assert (await _current(bot)).diet == []


async def test_profile_asks_only_what_the_table_needs_and_shows_numbers(bot: BotHarness) -> None:
    intake = bot.library.intake
    await _subscribed(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "Profile")
    replies, _ = await tap(bot, CHAT, AgeBand.YEARS_4_8.label)
    # Children's numbers do not depend on sex, so it is not asked.
    assert "Male" not in [label for label, _ in replies[0].buttons]
    child = intake.for_profile(Profile(age_band=AgeBand.YEARS_4_8, sex=Sex.FEMALE))
    assert f"{child.rda_mg} mg" in replies[0].text and f"{child.ul_mg} mg" in replies[0].text

    replies, _ = await tap(bot, CHAT, AgeBand.YEARS_31_50.label)
    assert "Female" in [label.removeprefix("✅ ") for label, _ in replies[0].buttons]
    replies, _ = await tap(bot, CHAT, "Female")
    woman = intake.for_profile(Profile(age_band=AgeBand.YEARS_31_50, sex=Sex.FEMALE))
    assert f"RDA is <b>{woman.rda_mg} mg</b>" in replies[0].text
    assert f"stay under {woman.ul_mg} mg" in replies[0].text
    replies, _ = await tap(bot, CHAT, "Pregnant")
    pregnant = intake.for_profile(
        Profile(age_band=AgeBand.YEARS_31_50, sex=Sex.FEMALE, life_stage=LifeStage.PREGNANT)
    )
    assert f"{pregnant.rda_mg} mg" in replies[0].text
    assert (await _current(bot)).life_stage == "pregnant"

    # Switching to a profile that cannot be pregnant drops that answer instead of failing.
    replies, _ = await tap(bot, CHAT, AgeBand.YEARS_51_PLUS.label)
    chat = await _current(bot)
    assert (chat.age_band, chat.sex, chat.life_stage) == ("51+", "female", None)
    assert "Pregnant" not in [label for label, _ in replies[0].buttons]

    await tap(bot, CHAT, "Clear profile")
    chat = await _current(bot)
    assert (chat.age_band, chat.sex, chat.life_stage) == (None, None, None)


async def test_stale_forged_and_foreign_buttons_change_nothing(bot: BotHarness) -> None:
    await _subscribed(bot)
    old = await open_settings(bot)
    old_id = bot.last_message_id(CHAT)
    await open_settings(bot)
    codec = CallbackCodec(bot.settings.bot_token.get_secret_value())
    chat = await _current(bot)
    forged = old.button("⏰").rsplit("|", 1)[0]

    other_chat_data = codec.encode(2002, chat.menu_version, "tz", "Asia/Tokyo")
    valid = codec.encode(CHAT, chat.menu_version, "tz", "Asia/Tokyo")
    body, mac = valid.rsplit("|", 1)
    edited = body.replace("Asia/Tokyo", "Asia/Seoul") + "|" + mac
    attempts = [
        (old_id, old.button("⏰")),  # a button of an older menu
        (bot.last_message_id(CHAT), other_chat_data),  # copied from another chat
        (bot.last_message_id(CHAT), edited),  # payload edited, signature kept
        (bot.last_message_id(CHAT), forged + "|AAAAAAAAAA"),
        (bot.last_message_id(CHAT), forged + "|ÄÖÜ💥"),  # non-ASCII signature
        (bot.last_message_id(CHAT), "st|zz"),
        (bot.last_message_id(CHAT), "something-else"),
    ]
    for message_id, data in attempts:
        replies, answer = await bot.press(CHAT, message_id, data)
        # Our menus' presses expire; data no handler takes is a stale button.
        assert answer is not None and answer.params.get("text") in (EXPIRED, STALE_BUTTON), data
        assert replies == []
    after = await _current(bot)
    assert (after.timezone, after.delivery_time) == ("UTC", dt.time(9, 0))
    replies, _ = await bot.press(CHAT, bot.last_message_id(CHAT), valid)
    assert (await _current(bot)).timezone == "Asia/Tokyo"


async def test_every_button_fits_telegrams_limit(bot: BotHarness) -> None:
    await _subscribed(bot)
    await open_settings(bot)
    seen: list[Reply] = []
    for screen in ["🌍", "⏰", "📅", "Topics", "Food", "Diet", "Profile", "🌙", "🧠"]:
        replies, _ = await tap(bot, CHAT, screen)
        seen += replies
        await tap(bot, CHAT, "Back")
    datas = [data for reply in seen for _, data in reply.buttons]
    assert len(datas) > 50
    assert all(len(data.encode()) <= 64 for data in datas)
    assert not [c for c in bot.api.calls if c.status == 400]


async def test_settings_before_start(bot: BotHarness) -> None:
    replies = await bot.send("/settings")
    assert "/start" in replies[0].text and not replies[0].buttons


async def test_pause_and_resume(bot: BotHarness) -> None:
    await _subscribed(bot)
    replies = await bot.send("/pause")
    assert {"3 days", "A week", "Until I resume", "Cancel"} == {b[0] for b in menu(replies).buttons}
    assert STREAK_FROZEN in replies[0].text
    before = dt.datetime.now(dt.UTC)
    replies, _ = await tap(bot, CHAT, "3 days")
    assert "Paused until" in replies[0].text and not replies[0].buttons
    assert STREAK_FROZEN in replies[0].text
    chat = await _current(bot)
    assert chat.paused_until is not None and not chat.paused_indefinitely
    assert (
        before + dt.timedelta(days=3)
        <= chat.paused_until
        <= dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    )
    assert "Paused until" in (await open_settings(bot)).text

    replies = await bot.send("/resume")
    assert "Next tip" in replies[0].text and STREAK_KEPT in replies[0].text
    chat = await _current(bot)
    assert chat.paused_until is None and not chat.paused_indefinitely
    _assert_due_at_local_time(chat)

    await bot.send("/pause")
    replies, _ = await tap(bot, CHAT, "Until I resume")
    assert "/resume" in replies[0].text and STREAK_FROZEN in replies[0].text
    chat = await _current(bot)
    assert chat.paused_indefinitely and chat.paused_until is None
    await bot.send("/resume")
    assert "not paused" in (await bot.send("/resume"))[0].text

    await bot.send("/pause")
    replies, _ = await tap(bot, CHAT, "Cancel")
    assert not (await _current(bot)).paused_indefinitely


async def test_pause_when_not_subscribed(bot: BotHarness) -> None:
    await _subscribed(bot)
    await bot.send("/stop")
    replies = await bot.send("/pause")
    assert "not subscribed" in replies[0].text and not replies[0].buttons
    assert "not subscribed" in sent_text(await bot.send("/resume"))
