"""Spotting a supplement dose in /log or /foods text, and the safe answer to give.

The food log counts food only; supplements have an upper limit (UL) that food does not,
so a dose gets the UL and the kidney caution instead of being added to the day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.formatting import esc

_SUPPLEMENT_WORDS = re.compile(
    r"\b(supplements?|supps?|pills?|tablets?|tabs?|capsules?|caps|magnesium|mag|"
    r"citrate|glycinate|bisglycinate|oxide|chloride|malate|threonate|taurate|lactate|"
    r"epsom|multivitamins?)\b",
    re.IGNORECASE,
)
_MG_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:mg|milligrams?)\b", re.IGNORECASE)
_ANY_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\w.])")
_MG_UNIT = re.compile(r"\d\s*(?:mg|milligrams?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SupplementDose:
    """A message about a supplement; mg is None when no amount was given."""

    mg: float | None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def find_supplement(text: str) -> SupplementDose | None:
    """A supplement mention with its dose, e.g. 'magnesium 500 mg' or 'supplement 400'.

    A bare amount in mg ("/log 400 mg") counts too: foods are logged in servings, so a
    milligram dose with no food name is almost always a pill.
    """
    has_word = _SUPPLEMENT_WORDS.search(text) is not None
    with_unit = _MG_AMOUNT.search(text)
    if not has_word:
        rest = _MG_AMOUNT.sub(" ", text).strip(" .,!?")
        if with_unit is None or rest:
            return None
        return SupplementDose(_number(with_unit.group(1)))
    if with_unit is not None:
        return SupplementDose(_number(with_unit.group(1)))
    bare = _ANY_NUMBER.search(text)
    return SupplementDose(_number(bare.group(1)) if bare else None)


def mentions_mg(text: str) -> bool:
    return _MG_UNIT.search(text) is not None


def supplement_reply(dose: SupplementDose, ul_mg: int | None, disclaimer: str) -> str:
    """HTML: what we say about a supplement dose; it is never logged as food."""
    not_logged = (
        "I log food only, so supplements are not added to your day. "
        "Food magnesium has no upper limit: healthy kidneys pass on what the body does not need."
    )
    footer = f"<i>{esc(disclaimer)}</i>"
    if ul_mg is None:
        return (
            "💊 No upper limit is set for infants: magnesium supplements for a baby only on "
            f"a doctor's advice.\n\n{not_logged}\n\n{footer}"
        )
    limit = (
        f"The upper limit (UL) for magnesium from supplements and medicines is "
        f"<b>{ul_mg} mg a day</b>. It does not apply to magnesium in food."
    )
    kidneys = (
        "With kidney disease, or when taking other medicines, talk to a doctor or pharmacist "
        "before any magnesium supplement: the kidneys are what clear the excess, so when they "
        "work less well magnesium can build up to harmful levels."
    )
    if dose.mg is not None and dose.mg > ul_mg:
        return (
            f"⚠️ <b>{dose.mg:g} mg is above the upper limit.</b>\n{limit} Above it, diarrhoea, "
            "nausea and stomach cramps become common, so stay at or under it unless a "
            f"clinician has told you otherwise.\n\n{kidneys}\n\n{not_logged}\n\n{footer}"
        )
    within = f"{dose.mg:g} mg is within that limit. " if dose.mg is not None else ""
    return f"💊 {limit} {within}\n\n{kidneys}\n\n{not_logged}\n\n{footer}"
