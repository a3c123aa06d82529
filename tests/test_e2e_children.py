"""Children's and babies' profiles, compound vs elemental doses, and the review's other
fixes (D7, S8, M9, W6, M3, M14, S6), end to end through the fake Bot API."""

from __future__ import annotations

import html
import re

from bot.personal import INFANT_NOTE, KIDNEY_NOTE, NUTS_NOTE, PORTIONS_NOTE
from content import FoodFlag
from tests.harness import BotHarness, Reply, set_chat

CHAT = 1001


def plain(reply: Reply) -> str:
    """The reply's text without HTML tags or entities."""
    return html.unescape(re.sub(r"<[^>]+>", "", reply.text))


def plan_food_names(reply: Reply) -> list[str]:
    return re.findall(r"× <b>(.+?)</b>", html.unescape(reply.text))


async def test_toddler_gets_the_65_mg_limit_in_log_and_foods(bot: BotHarness) -> None:
    await bot.send("/start")
    # Sex is never asked for 1-3 years: the profile must still be the toddler's.
    await set_chat(bot, age_band="1-3", sex=None)
    dose = plain((await bot.send("/log magnesium 100 mg"))[0])
    assert "65 mg a day" in dose and "above the upper limit" in dose
    assert "350" not in dose
    also = plain((await bot.send("/foods magnesium 100 mg"))[0])
    assert "65 mg a day" in also and "350" not in also
    logged = plain((await bot.send("/log spinach"))[0])
    assert "78 mg of your RDA of 80 mg" in logged and "420" not in logged


async def test_child_band_wins_over_a_left_over_adult_profile(bot: BotHarness) -> None:
    await bot.send("/start")
    # An adult profile (female, breastfeeding) whose age band was then changed to 1-3.
    await set_chat(bot, age_band="1-3", sex="female", life_stage="breastfeeding")
    dose = plain((await bot.send("/log magnesium 100 mg"))[0])
    assert "65 mg a day" in dose and "350" not in dose
    await set_chat(bot, age_band="4-8", sex="male", life_stage=None)
    dose = plain((await bot.send("/log magnesium 100 mg"))[0])
    assert "110 mg a day" in dose and "within that limit" in dose


async def test_infant_gets_the_infant_text_and_no_plan(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="0-6m", sex=None)
    for request in ("/plan", "what should I eat today?"):
        plan = (await bot.send(request))[0]
        text = plain(plan)
        assert "no food plans for babies" in text and INFANT_NOTE in text
        assert "30 mg" in text and plan.buttons == []
        assert plan_food_names(plan) == []
    dose = plain((await bot.send("/log magnesium 50 mg"))[0])
    assert "No upper limit is set for infants" in dose
    assert "does not mean any amount is safe" in dose and "clinician prescribes" in dose
    await set_chat(bot, age_band="7-12m", sex="male")
    assert "no food plans for babies" in plain((await bot.send("/plan"))[0])
    foods = plain((await bot.send("/foods"))[0])
    assert INFANT_NOTE in foods and "Daily Value" not in foods and "% DV" not in foods


async def test_four_to_eight_foods_shows_the_childs_target_not_the_adult_one(
    bot: BotHarness,
) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="4-8", sex=None)
    replies = await bot.send("/foods")
    text = plain(replies[0])
    assert "% of your RDA of 130 mg" in text and "of yours" in text
    assert "Set your age and sex" not in text
    assert "the 420 mg Daily Value (US labels)" not in text  # the adult fallback target
    # The DV is shown for ages 4 and up, as the US label value it is.
    assert "Daily Value (DV) on US labels" in text
    caption = plain(replies[1])
    assert "your RDA of 130 mg" in caption and "420" not in caption
    card = plain((await bot.send("/foods almonds"))[0])
    assert "% of your RDA of 130 mg" in card and "Daily Value (US labels)" in card
    assert PORTIONS_NOTE in card and NUTS_NOTE in card


async def test_under_four_gets_no_daily_value(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="1-3", sex=None)
    text = plain((await bot.send("/foods"))[0])
    assert "% DV" not in text and "Daily Value" not in text
    assert "% of your RDA of 80 mg" in text
    assert PORTIONS_NOTE in text and NUTS_NOTE in text  # almonds are in the top list
    card = plain((await bot.send("/foods spinach"))[0])
    assert "Daily Value" not in card and "98% of your RDA of 80 mg" in card


async def test_young_child_plan_has_no_whole_nuts_and_says_servings_are_adult(
    bot: BotHarness,
) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="1-3", sex=None)
    whole_nuts = {f.name for f in bot.library.foods if FoodFlag.WHOLE_NUTS in f.flags}
    assert {"Almonds, dry roasted", "Peanuts, oil roasted"} <= whole_nuts
    seen: set[str] = set()
    for _ in range(6):
        plan = (await bot.send("/plan"))[0]
        names = plan_food_names(plan)
        assert names, plan.text
        seen.update(names)
        text = plain(plan)
        assert "Target: your RDA of 80 mg" in text
        assert PORTIONS_NOTE in text and NUTS_NOTE in text and KIDNEY_NOTE in text
    assert not seen & whole_nuts


async def test_compound_weight_is_converted_and_explained(bot: BotHarness) -> None:
    await bot.send("/start")
    citrate = plain((await bot.send("/log magnesium citrate 1000 mg"))[0])
    assert "about 160 mg of elemental magnesium" in citrate
    assert "if 1000 mg is the compound weight" in citrate.lower()
    assert "“Magnesium” line on the Supplement Facts panel" in citrate
    assert "already elemental" in citrate
    # Never the bare "1000 mg is above the upper limit" of the old compound-vs-UL check.
    assert "1000 mg is above the upper limit" not in citrate
    assert "if 1000 mg is the “Magnesium” line, it is above the upper limit" in citrate
    oxide = plain((await bot.send("/log magnesium oxide 500 mg"))[0])
    assert "about 300 mg of elemental magnesium" in oxide
    glycinate = plain((await bot.send("/foods glycinate 800mg"))[0])
    assert "about 110 mg of elemental magnesium" in glycinate
    await set_chat(bot, age_band="4-8", sex=None)
    child = plain((await bot.send("/log magnesium oxide 500 mg"))[0])
    assert "Even about 300 mg is above the upper limit" in child and "110 mg a day" in child


async def test_food_is_safe_lines_carry_the_kidney_caveat(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="31-50", sex="female")
    assert KIDNEY_NOTE in plain((await bot.send("/plan"))[0])
    assert KIDNEY_NOTE in plain((await bot.send("/log magnesium 100 mg"))[0])
    await bot.send("/log pumpkin seeds 2")
    await bot.send("/log spinach")
    today = plain((await bot.send("/today"))[0])
    assert "Target reached" in today and KIDNEY_NOTE in today


async def test_no_sesame_diet_filters_foods_and_plans(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, diet=["no_sesame"])
    seeds = plain((await bot.send("/foods seeds"))[0])
    assert "Sesame" not in seeds and "Chia" in seeds and "No sesame" in seeds
    card = plain((await bot.send("/foods whole wheat bread"))[0])
    assert "Does not fit your diet settings" in card
    await set_chat(bot, diet=["dairy_free"])
    card = plain((await bot.send("/foods whole wheat bread"))[0])
    assert "Does not fit your diet settings" in card
    menu = await bot.send("/settings")
    pressed, _ = await bot.press(CHAT, bot.last_message_id(CHAT), menu[0].button("Diet"))
    assert any("No sesame" in label for label, _ in pressed[0].buttons)


async def test_welcome_back_shows_the_onboarding_disclaimer(bot: BotHarness) -> None:
    await bot.send("/start")
    await bot.send("/stop")
    resumed = plain((await bot.send("/start"))[0])
    assert "Welcome back" in resumed
    assert bot.library.onboarding_disclaimer in resumed
