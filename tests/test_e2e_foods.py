"""/foods and /plan end to end: the real bot, the fake Bot API, SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import struct

from bot.charts import chart_cache
from bot.services import services_in
from content import Diet, FoodFlag, food_fits_diet
from tests.harness import BotHarness, Reply, set_chat

CHAT = 1001


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def message_id_with(bot: BotHarness, text_part: str, chat_id: int = CHAT) -> int:
    for message in reversed(bot.api.messages(chat_id)):
        if message.kind == "text" and text_part in (message.text or ""):
            return message.message_id
    raise AssertionError(f"no message containing {text_part!r}")


def listed_names(bot: BotHarness, reply: Reply) -> list[str]:
    """Food names in a /foods list, in order."""
    text = html.unescape(reply.text)
    return re.findall(r"^\d+\. <b>(.+?)</b>", text, flags=re.MULTILINE)


async def test_foods_works_without_start_and_sends_a_chart(bot: BotHarness) -> None:
    replies = await bot.send("/foods")
    methods = [reply.method for reply in replies]
    assert methods == ["sendMessage", "sendPhoto"]
    names = listed_names(bot, replies[0])
    assert len(names) == 12
    richest = bot.library.foods_for_diets([])[0]
    assert names[0] == richest.name
    assert "% DV" in replies[0].text and "Send /start" in replies[0].text
    assert len(replies[1].text) <= 1024 and "420 mg Daily Value" in replies[1].text
    photos = bot.api.photos(CHAT)
    assert len(photos) == 1 and png_size(photos[0]) == (1000, 600)


async def test_vegan_profile_list_is_personal_and_never_animal(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=[Diet.VEGAN.value], age_band="31-50", sex="female")
    replies = await bot.send("/foods")
    names = listed_names(bot, replies[0])
    vegan_names = {f.name for f in bot.library.foods if food_fits_diet(f, [Diet.VEGAN])}
    assert names and set(names) <= vegan_names
    for food in bot.library.foods:
        if FoodFlag.CONTAINS_DAIRY in food.flags or FoodFlag.CONTAINS_FISH in food.flags:
            assert food.name not in html.unescape(replies[0].text)
    # Hemp seeds, 210 mg: 50 % of the Daily Value, 66 % of a 320 mg RDA.
    assert "210 mg · 50% DV · 66% of yours" in replies[0].text
    assert "your RDA of 320 mg" in replies[0].text
    assert "your RDA 320 mg" not in replies[0].text  # that wording is the chart's
    fish = await bot.send("/foods fish")
    assert "No foods in this group fit" in fish[0].text
    assert [r.method for r in fish] == ["sendMessage"]


async def test_category_pages_chart_button_and_forged_data(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=[Diet.NO_NUTS.value])
    replies = await bot.send("/foods seeds")
    assert [r.method for r in replies] == ["sendMessage", "sendPhoto"]
    seeds = listed_names(bot, replies[0])
    assert seeds and all("seed" in name.lower() or "flax" in name.lower() for name in seeds)
    labels = [label for label, _ in replies[0].buttons]
    assert not any("Nuts" in label for label in labels)  # no-nuts users get no Nuts page
    list_id = message_id_with(bot, "Seeds: magnesium")
    pressed, answer = await bot.press(CHAT, list_id, replies[0].button("Leafy greens"))
    assert answer is not None
    assert [r.method for r in pressed] == ["editMessageText"]
    assert "Spinach, boiled" in pressed[0].text and "Pumpkin" not in pressed[0].text
    nxt, _ = await bot.press(CHAT, list_id, pressed[0].button("▶️"))
    assert "Vegetables" in nxt[0].text
    chart, _ = await bot.press(CHAT, list_id, nxt[0].button("Chart"))
    assert [r.method for r in chart] == ["sendPhoto"]
    assert png_size(bot.api.photos(CHAT)[-1]) == (1000, 600)
    codec = services_in(bot.application).codec
    forged = [
        codec.sign(CHAT, "foods", "p", "bogus", "-"),
        codec.sign(CHAT, "foods", "f", "no-such-food"),
        codec.sign(CHAT, "foods", "p", "seeds"),
        codec.sign(CHAT, "foods", "zz"),
        codec.sign(CHAT + 1, "foods", "p", "seeds", "-"),  # another chat's button
    ]
    for data in forged:
        none, answer = await bot.press(CHAT, list_id, data)
        assert none == [] and answer is not None
        assert "no longer valid" in answer.params["text"]


async def test_charts_are_cached_per_filter_diet_and_target(bot: BotHarness) -> None:
    await bot.send("/foods seeds")
    await bot.send("/foods seeds")
    photos = bot.api.photos(CHAT)
    assert len(photos) == 2 and photos[0] == photos[1]
    cache = chart_cache(bot.application.bot_data)
    assert cache.renders == 1
    await bot.send("/foods seeds vegan")
    assert cache.renders == 2


async def test_a_chart_is_uploaded_once_then_sent_by_its_file_id(bot: BotHarness) -> None:
    def methods(since: int) -> list[str]:
        return [c.method for c in bot.api.calls[since:] if c.method.startswith("send")]

    await bot.send("/foods seeds", chat_id=CHAT)
    assert methods(0) == ["sendMessage", "sendChatAction", "sendPhoto"]
    mark = len(bot.api.calls)
    await bot.send("/foods seeds", chat_id=CHAT + 1)
    # Ready: no "sending photo..." and no upload, only Telegram's file_id of the first.
    assert methods(mark) == ["sendMessage", "sendPhoto"]
    photo_calls = [c for c in bot.api.calls[mark:] if c.method == "sendPhoto"]
    assert len(photo_calls) == 1 and not photo_calls[0].files
    assert str(photo_calls[0].params["photo"]).startswith("PH")
    assert bot.api.photos(CHAT + 1) == bot.api.photos(CHAT)


async def test_a_refused_file_id_is_forgotten_and_the_chart_uploaded_again(
    bot: BotHarness,
) -> None:
    await bot.send("/foods seeds")
    cache = chart_cache(bot.application.bot_data)
    [key] = list(cache._file_ids)  # the only way to make a file_id stale
    cache.remember_file_id(key, "no-such-file")
    replies = await bot.send("/foods seeds")
    photos = [r for r in replies if r.method == "sendPhoto"]
    assert len(photos) == 1 and len(bot.api.photos(CHAT)) == 2
    assert cache.file_id(key) not in (None, "no-such-file")


async def test_food_card_and_suggestions(bot: BotHarness) -> None:
    card = await bot.send("/foods spinch")
    assert [r.method for r in card] == ["sendMessage"]
    assert "Spinach, boiled" in card[0].text and "78 mg" in card[0].text
    assert "19% of the Daily Value" in card[0].text
    unknown = await bot.send("/foods almond milk")
    assert "Did you mean" in unknown[0].text
    choice = unknown[0].button("Almonds")
    edited, _ = await bot.press(CHAT, bot.last_message_id(CHAT), choice)
    assert edited[0].method == "editMessageText" and "Almonds, dry roasted" in edited[0].text
    # Logging from a card needs a chat row first.
    logged, _ = await bot.press(CHAT, bot.last_message_id(CHAT), edited[0].button("Log"))
    assert "/start" in logged[0].text
    await bot.send("/start")
    logged, _ = await bot.press(CHAT, message_id_with(bot, "Almonds, dry"), edited[0].button("Log"))
    assert "Logged 1 × <b>Almonds, dry roasted</b>" in logged[0].text


async def test_foods_compares_the_foods_of_a_list(bot: BotHarness) -> None:
    replies = await bot.send("/foods spinach, almonds & hemp seeds")
    assert [r.method for r in replies] == ["sendMessage"]
    # Richest first, whatever the order typed.
    assert listed_names(bot, replies[0]) == [
        "Hemp seeds, hulled",
        "Almonds, dry roasted",
        "Spinach, boiled",
    ]
    assert "210 mg · 50% DV" in replies[0].text
    assert "Servings differ" in html.unescape(replies[0].text)
    assert [label for label, _ in replies[0].buttons] == ["Hemp seeds", "Almonds", "Spinach"]
    card, _ = await bot.press(CHAT, bot.last_message_id(CHAT), replies[0].button("Spinach"))
    assert card[0].method == "editMessageText" and "Serving: 1/2 cup" in card[0].text


async def test_a_typed_comparison_gets_the_food_tables_numbers(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=[Diet.VEGAN.value], age_band="1-3", sex="female")
    replies = await bot.send("Which has more magnesium: salmon or tofu?")
    assert len(replies) == 1
    text = html.unescape(replies[0].text)
    both = [food for food in bot.library.foods if food.id in {"salmon", "tofu"}]
    richest_first = sorted(both, key=lambda food: food.mg, reverse=True)
    assert listed_names(bot, replies[0]) == [food.name for food in richest_first]
    assert "Not for your diet settings: Salmon" in text
    # A toddler's profile: no Daily Value, and adult servings are flagged.
    assert "% DV" not in text and "young child's portions are smaller" in text
    nuts = await bot.send("almonds vs cashews")
    assert "choking risk" in html.unescape(nuts[0].text)


async def test_how_much_magnesium_in_a_food_gets_its_card(bot: BotHarness) -> None:
    replies = await bot.send("How much magnesium is in quinoa?")
    assert len(replies) == 1 and "<b>Quinoa, cooked</b>" in replies[0].text
    assert "Serving: 1 cup (185 g)" in replies[0].text and "118 mg" in replies[0].text
    # The FAQ entry the question matched stays one tap away.
    banana = await bot.send("how much magnesium is in a banana")
    assert "<b>Banana</b>" in banana[0].text
    question = banana[0].button("Are bananas a good source")
    shown, _ = await bot.press(CHAT, bot.last_message_id(CHAT), question)
    assert "medium banana has about 32 mg" in shown[0].text


async def test_a_question_about_compared_foods_still_goes_to_the_faq(bot: BotHarness) -> None:
    replies = await bot.send("is spinach or kale better for cramps")
    assert "Magnesium per serving" not in replies[0].text
    urgent = await bot.send("my son ate almonds or cashews and now he can't breathe")
    assert "emergency" in urgent[0].text and "Magnesium per serving" not in urgent[0].text


async def test_bad_input_gets_short_answers(bot: BotHarness) -> None:
    for text in ["/foods " + "x" * 5000, "/foods 💥💥💥", "/foods шпинат", "/foods <b>oops</b>"]:
        replies = await bot.send(text)
        assert len(replies) == 1 and replies[0].method == "sendMessage"
        assert len(replies[0].text) < 600
        assert "<b>oops" not in replies[0].text
    dose = await bot.send("/foods magnesium 600 mg")
    assert "350 mg" in dose[0].text and "kidney" in dose[0].text


async def test_plan_reaches_target_varies_and_logs(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(
        bot, diet=[Diet.VEGETARIAN.value, Diet.NO_NUTS.value], age_band="19-30", sex="female"
    )
    first = await bot.send("/plan")
    text = html.unescape(first[0].text)
    assert "Target: your RDA of 310 mg" in text
    assert "Food alone is very unlikely" in text
    total = int(re.search(r"Total: (\d+) mg", text).group(1))  # type: ignore[union-attr]
    items = re.findall(r"• (\d) × <b>(.+?)</b> .*?: (\d+) mg", text)
    assert 3 <= len(items) <= 5 and total >= 310
    assert sum(int(mg) for _, _, mg in items) == total
    allowed = {
        f.name for f in bot.library.foods if food_fits_diet(f, [Diet.VEGETARIAN, Diet.NO_NUTS])
    }
    assert {name for _, name, _ in items} <= allowed
    plan_id = bot.last_message_id(CHAT)
    again, _ = await bot.press(CHAT, plan_id, first[0].button("Another plan"))
    assert again[0].method == "sendMessage" and again[0].text != first[0].text
    logged, _ = await bot.press(CHAT, plan_id, first[0].button("Log this plan"))
    assert f"Logged {len(items)} foods ({total} mg)" in logged[-1].text
    # The pressed plan loses its log button so a second tap cannot double the day.
    assert any(r.method == "editMessageReplyMarkup" for r in logged)
    today = await bot.send("/today")
    assert f"<b>{total} mg</b>" in today[0].text
    assert [r.method for r in today] == ["sendMessage", "sendPhoto"]
    receipt_id = message_id_with(bot, "Logged")
    undone, _ = await bot.press(CHAT, receipt_id, logged[-1].button("Undo all"))
    assert f"Removed {len(items)} foods ({total} mg)" in undone[0].text


async def test_asking_what_to_eat_today_gets_a_plan(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="19-30", sex="male")
    replies = await bot.send("What should I eat today?")
    assert len(replies) == 1
    text = html.unescape(replies[0].text)
    assert "A day of magnesium from food" in text and "Target: your RDA of 400 mg" in text
    total = int(re.search(r"Total: (\d+) mg", text).group(1))  # type: ignore[union-attr]
    assert total >= 400
    logged, _ = await bot.press(CHAT, bot.last_message_id(CHAT), replies[0].button("Log this"))
    assert f"({total} mg)" in logged[-1].text
    # A question that only sounds like one still gets its FAQ answer.
    cramps = await bot.send("what should I eat for cramps")
    assert "A day of magnesium from food" not in html.unescape(cramps[0].text)


async def test_plan_without_start_uses_the_daily_value(bot: BotHarness) -> None:
    replies = await bot.send("/plan")
    assert "the 420 mg Daily Value" in html.unescape(replies[0].text)
    assert "Send /start" in replies[0].text
