"""The text of a delivered tip and food idea (Telegram HTML, every dynamic string escaped).

Both the scheduled delivery and /tip render through here, so they always look alike.
"""

from __future__ import annotations

import html

from pydantic import ValidationError

from content import DAILY_VALUE_MG, AgeBand, Food, Library, LifeStage, Profile, Sex, Tip, percent_of
from content.intake import IntakeTables

# Telegram allows 4096 characters; the body is clipped well before that.
MAX_TEXT = 4000
FOOTER = "<i>Another tip now: /tip · Stop daily tips: /stop</i>"
# Telegram's limit on a message's text, counted after the HTML is parsed.
TELEGRAM_TEXT_LIMIT = 4096
BROADCAST_FOOTER = "<i>📣 From the MagBot team · Stop all messages: /stop</i>"
BROADCAST_FOOTER_PLAIN = BROADCAST_FOOTER.removeprefix("<i>").removesuffix("</i>")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def profile_of(
    age_band: str | None,
    sex: str | None,
    life_stage: str | None,
    tables: IntakeTables | None = None,
) -> Profile | None:
    """The chat's intake profile, or None when it is incomplete or impossible.

    Children up to 13 are never asked their sex (the tables do not differ), so with
    `tables` a missing sex is filled in there and a child gets the child's numbers.
    """
    if age_band is None:
        return None
    try:
        band = AgeBand(age_band)
        if sex is None:
            if tables is None or tables.sex_matters(band):
                return None
            sex = Sex.FEMALE  # the same numbers either way
        stage = LifeStage(life_stage) if life_stage else LifeStage.NONE
        return Profile(age_band=band, sex=Sex(sex), life_stage=stage)
    except (ValueError, ValidationError):
        return None


def tip_block(tip: Tip) -> str:
    return f"💡 <b>{esc(tip.title)}</b>\n{esc(tip.body)}"


def food_block(food: Food, library: Library, profile: Profile | None, *, heading: str) -> str:
    amount = f"{esc(food.serving)}: {esc(food.mg_text)} of magnesium"
    if profile is None:
        share = (
            f"{percent_of(food.mg, DAILY_VALUE_MG)}% of the Daily Value ({DAILY_VALUE_MG} mg) "
            "on US labels"
        )
    else:
        target = library.intake.rda(profile)
        need = "adequate intake" if library.intake.rda_is_ai(profile) else "daily need"
        share = f"{percent_of(food.mg, target)}% of your {need} ({target} mg)"
    return f"🥗 <b>{esc(heading)}: {esc(food.name)}</b>\n{amount}, {share}."


def delivery_text(
    library: Library,
    tip: Tip | None,
    food: Food | None,
    profile: Profile | None,
    *,
    footer: bool = True,
) -> str:
    """One message with the day's tip and/or food idea."""
    blocks: list[str] = []
    if tip is not None:
        blocks.append(tip_block(tip))
    if food is not None:
        heading = "Food idea" if tip is not None else "This week's food idea"
        blocks.append(food_block(food, library, profile, heading=heading))
    if not blocks:
        raise ValueError("a delivery needs a tip or a food")
    if footer:
        blocks.append(FOOTER)
    text = "\n\n".join(blocks)
    if len(text) > MAX_TEXT:
        # Content is validated far below this; clipping keeps one bad entry from failing
        # every delivery. Cut at a line break so no HTML tag is left open.
        text = text[: text.rfind("\n", 0, MAX_TEXT)]
    return text


def broadcast_text(body_html: str) -> str:
    """An admin's broadcast as every recipient (and the admin's preview) gets it."""
    return f"{body_html}\n\n{BROADCAST_FOOTER}"


def telegram_length(plain: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units, so an emoji counts 2."""
    return len(plain.encode("utf-16-le")) // 2


def broadcast_overflow(body_plain: str) -> int:
    """How many characters a broadcast body (its visible text) is over Telegram's limit
    once the footer is added; 0 or less when it fits."""
    return telegram_length(f"{body_plain}\n\n{BROADCAST_FOOTER_PLAIN}") - TELEGRAM_TEXT_LIMIT
