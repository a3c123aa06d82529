"""Settings asked for in words ("send my tips at 7am", "I'm vegan", "stop"), end to end on
both backends: what is stored, what the person sees, and what must not change."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

from bot.menus.kit import UNKNOWN_CHAT
from storage.models import Chat
from tests.harness import BotHarness, set_chat
from tests.menu_helpers import menu, row, tap

CHAT = 1001
GROUP = -1001234567


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def _chat(bot: BotHarness, chat_id: int = CHAT) -> Chat:
    chat = await row(bot, chat_id)
    assert chat is not None
    return chat


async def test_a_typed_time_is_saved_and_rescheduled(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, timezone="Asia/Tokyo")
    replies = await bot.send("Could you send my tips at 7:30 pm please?")
    settings = menu(replies)
    assert "Tips now come at <b>19:30</b> (Asia/Tokyo)" in settings.text
    assert "⚙️ <b>Settings</b>" in settings.text
    chat = await _chat(bot)
    assert chat.delivery_time == dt.time(19, 30) and chat.next_due_at is not None
    local = chat.next_due_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (19, 30)
    # Only one settings menu can be tapped: the older one loses its buttons.
    again = await bot.send("send my tips at 8am")
    assert any(r.method == "editMessageReplyMarkup" for r in again)
    assert (await _chat(bot)).delivery_time == dt.time(8)
    wrong = await bot.send("send my tips at 25:00")
    assert len(wrong) == 1 and "hours run 0-23" in wrong[0].text
    assert (await _chat(bot)).delivery_time == dt.time(8)


async def test_a_typed_time_zone_is_saved_or_explained(bot: BotHarness) -> None:
    await bot.send("/start")
    replies = await bot.send("Change my time zone to Berlin")
    assert "Time zone: <b>Berlin, Germany (Europe/Berlin)</b>" in menu(replies).text
    assert (await _chat(bot)).timezone == "Europe/Berlin"
    unknown = await bot.send("my time zone is Qwzxplk")
    assert len(unknown) == 1 and "could not find that place" in unknown[0].text
    assert "/settings" in unknown[0].text
    assert (await _chat(bot)).timezone == "Europe/Berlin"


async def test_a_typed_diet_is_ticked_next_to_the_others(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=["no_nuts"])
    replies = await bot.send("I'm vegan")
    diet_screen = menu(replies)
    assert "<b>Vegan</b> is ticked" in diet_screen.text and "🥦 <b>Diet</b>" in diet_screen.text
    assert (await _chat(bot)).diet == ["vegan", "no_nuts"]
    await bot.send("I am vegan")
    assert (await _chat(bot)).diet == ["vegan", "no_nuts"]
    allergy = menu(await bot.send("I have a nut allergy"))
    assert "<b>No tree nuts</b> and <b>No peanuts</b> are ticked" in allergy.text
    assert (await _chat(bot)).diet == ["vegan", "no_nuts", "no_peanuts"]
    plan = html.unescape((await bot.send("/plan"))[0].text)
    assert "For: Vegan, No tree nuts, No peanuts" in plan


async def test_fewer_tips_offers_the_choice_and_a_named_one_is_saved(bot: BotHarness) -> None:
    await bot.send("/start")
    asked = menu(await bot.send("too many messages"))
    assert "Fewer tips?" in asked.text and (await _chat(bot)).frequency == "daily"
    chosen, _ = await tap(bot, CHAT, "Mon, Wed, Fri")
    assert "three times a week" in chosen[0].text
    assert (await _chat(bot)).frequency == "three_weekly"
    said = menu(await bot.send("send me tips once a week"))
    assert "Tips now come once a week (Monday)" in said.text
    assert (await _chat(bot)).frequency == "weekly"


async def test_a_request_without_a_value_opens_its_menu(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=["vegan", "no_soy"])
    zone_screen = menu(await bot.send("change my time zone"))
    assert "🌍 <b>Time zone</b>" in zone_screen.text
    # The screen waits for the typed answer, as when opened from /settings.
    answered = menu(await bot.send("Tokyo"))
    assert "Asia/Tokyo" in answered.text and (await _chat(bot)).timezone == "Asia/Tokyo"
    settings = menu(await bot.send("when is my next tip?"))
    assert "⚙️ <b>Settings</b>" in settings.text and "Next:" in settings.text
    unticked = menu(await bot.send("I'm not vegan any more"))
    assert "<b>Vegan</b> is unticked" in unticked.text
    assert (await _chat(bot)).diet == ["no_soy"]
    data = await bot.send("what did you store about me?")
    assert "What I store about this chat" in data[0].text
    assert any(r.method == "sendDocument" for r in data)
    forget = await bot.send("delete my data")
    assert "Delete everything?" in menu(forget).text and await row(bot) is not None


async def test_a_typed_age_and_sex_fill_the_profile_with_a_childs_limits(bot: BotHarness) -> None:
    await bot.send("/start")
    adult = menu(await bot.send("I'm a 40-year-old woman"))
    assert "Profile: <b>age 31-50 years, female</b>" in adult.text
    assert "Your RDA is 320 mg a day" in _plain(adult.text)
    # An age nobody has is explained, and the profile stays as it was.
    wrong = await bot.send("I am 200 years old")
    assert len(wrong) == 1 and "from 1 to 120 years" in _plain(wrong[0].text)
    assert ((await _chat(bot)).age_band, (await _chat(bot)).sex) == ("31-50", "female")
    await set_chat(bot, life_stage="pregnant")
    # A new age that rules pregnancy out drops it rather than refusing the change.
    child = menu(await bot.send("I am 8 years old"))
    assert "Supplements: stay under 110 mg a day" in _plain(child.text)
    chat = await _chat(bot)
    assert (chat.age_band, chat.sex, chat.life_stage) == ("4-8", "female", None)
    older = menu(await bot.send("I'm a man, 60"))
    assert "Profile: <b>age 51 years and over, male</b>" in older.text
    assert "Your RDA is 420 mg a day" in _plain(older.text)


async def test_typed_pregnancy_waits_for_an_age_then_gives_its_own_numbers(
    bot: BotHarness,
) -> None:
    await bot.send("/start")
    early = menu(await bot.send("I'm pregnant, 30 weeks"))
    assert "Pregnancy has its own numbers, which depend on your age" in _plain(early.text)
    chat = await _chat(bot)
    assert (chat.age_band, chat.sex, chat.life_stage) == (None, "female", None)
    both = menu(await bot.send("I'm 32 and pregnant"))
    assert "Your RDA is 360 mg a day" in _plain(both.text)
    chat = await _chat(bot)
    assert (chat.age_band, chat.sex, chat.life_stage) == ("31-50", "female", "pregnant")
    answer = await bot.send("how much magnesium do I need per day")
    assert "female, pregnant): your RDA is <b>360 mg</b> a day" in answer[0].text


async def test_typed_stop_asks_first_then_stops_or_pauses(bot: BotHarness) -> None:
    await bot.send("/start")
    asked = await bot.send("stop")
    labels = [label for label, _ in menu(asked).buttons]
    assert labels == ["🛑 Stop daily tips", "⏸ Pause 3 days", "⏸ Pause a week", "Keep them coming"]
    assert (await _chat(bot)).status == "active"
    kept, _ = await tap(bot, CHAT, "Keep them coming")
    assert "tips continue" in kept[0].text and (await _chat(bot)).status == "active"
    await bot.send("pause")
    paused, _ = await tap(bot, CHAT, "Pause a week")
    assert "Paused until" in paused[0].text
    assert (await _chat(bot)).paused_until is not None
    await bot.send("please stop sending me tips")
    stopped, answer = await tap(bot, CHAT, "Stop daily tips")
    assert "no more daily tips" in stopped[0].text and answer == "Stopped"
    chat = await _chat(bot)
    assert chat.status == "stopped" and chat.next_due_at is None
    # Coming back with /start means tips again: the pause from before the stop is over.
    back = await bot.send("/start")
    assert "Welcome back" in back[0].text
    chat = await _chat(bot)
    assert chat.status == "active" and chat.paused_until is None and chat.next_due_at is not None
    assert "not subscribed" not in (await bot.send("stop"))[0].text


async def test_requests_before_start_ask_for_start(bot: BotHarness) -> None:
    for text in ("send my tips at 7am", "I'm vegan", "stop"):
        replies = await bot.send(text)
        assert [r.text for r in replies] == [UNKNOWN_CHAT]
    assert await row(bot) is None


async def test_in_a_group_a_request_stays_a_question(bot: BotHarness) -> None:
    bot.api.set_admins(GROUP, [], creator=7)
    await bot.send("/start", GROUP, user_id=7, chat_type="supergroup")
    before = await _chat(bot, GROUP)
    replies = await bot.send("/ask send my tips at 7am", GROUP, user_id=9, chat_type="supergroup")
    assert replies and all("Settings" not in r.text for r in replies)
    assert (await _chat(bot, GROUP)).delivery_time == before.delivery_time


async def test_a_command_typed_without_its_slash_runs(bot: BotHarness) -> None:
    started = await bot.send("start")
    assert "You are subscribed" in started[0].text and await row(bot) is not None
    settings = menu(await bot.send("Settings"))
    assert "⚙️ <b>Settings</b>" in settings.text
    listed = await bot.send("menu")
    assert "<b>What I can do</b>" in listed[0].text
    tip_titles = {tip.title for tip in bot.library.tips}
    tip = await bot.send("Can you give me a tip please?")
    assert len(tip) == 1 and any(title in tip[0].text for title in tip_titles)
    # In a group, "/ask settings" is a question: no menu opens for a member.
    bot.api.set_admins(GROUP, [], creator=7)
    await bot.send("/start", GROUP, user_id=7, chat_type="supergroup")
    asked = await bot.send("/ask settings", GROUP, user_id=9, chat_type="supergroup")
    assert asked and all("<b>Settings</b>" not in r.text for r in asked)
