"""Spotting a supplement dose in /log or /foods text, and the safe answer to give.

The food log counts food only; supplements have an upper limit (UL) that food does not,
so a dose gets the UL and the kidney caution instead of being added to the day.

The UL counts elemental magnesium. US Supplement Facts panels list it on the "Magnesium"
line, but product names (and some labels) give the weight of the whole compound, e.g.
"magnesium citrate 1000 mg", which holds only about 160 mg of magnesium (reference
section 6). So a dose with a named form is never compared with the UL as it stands: it is
converted with the form's approximate elemental share and both readings are explained, or,
for a form without a figure, the person is asked to check the label's "Magnesium" line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.formatting import esc
from bot.personal import Needs
from content import AgeBand, IntakeTables, Profile, Sex

_SUPPLEMENT_WORDS = re.compile(
    r"\b(supplements?|supps?|pills?|tablets?|tabs?|capsules?|caps|magnesium|mag|"
    r"citrate|glycinate|bisglycinate|oxide|hydroxide|chloride|sulfate|sulphate|malate|"
    r"threonate|taurate|lactate|aspartate|orotate|epsom|multivitamins?)\b",
    re.IGNORECASE,
)
_MG_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:mg|milligrams?)\b", re.IGNORECASE)
_ANY_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\w.])")
_MG_UNIT = re.compile(r"\d\s*(?:mg|milligrams?)\b", re.IGNORECASE)
# What a number before it counts: pills and the like, not milligrams.
_COUNTED = re.compile(
    r"\s*(?:x\s*)?(?:[a-z]+\s+){0,2}?(?:pills?|tablets?|tabs?|capsules?|caps|gummies|gummy|"
    r"softgels?|scoops?|sachets?|drops?|spoons?|teaspoons?|tsp|tablespoons?|tbsp)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SupplementForm:
    """A magnesium compound and its approximate elemental share by weight (None: no figure)."""

    name: str
    share: float | None


# Approximate elemental magnesium share by weight (reference section 6, calc). Products vary
# (water content, buffered blends), so every figure is given as "about".
OXIDE = SupplementForm("magnesium oxide", 0.60)
HYDROXIDE = SupplementForm("magnesium hydroxide", 0.42)
CITRATE = SupplementForm("magnesium citrate", 0.16)
GLYCINATE = SupplementForm("magnesium glycinate", 0.14)
CHLORIDE = SupplementForm("magnesium chloride", 0.12)
SULFATE = SupplementForm("magnesium sulfate (Epsom salt)", 0.10)
BLEND = SupplementForm("a mix of magnesium forms", None)

_NO_FIGURE = ("malate", "threonate", "taurate", "lactate", "aspartate", "orotate")
_FORMS: tuple[tuple[re.Pattern[str], SupplementForm], ...] = (
    (re.compile(r"\boxide\b", re.IGNORECASE), OXIDE),
    (re.compile(r"\bhydroxide\b", re.IGNORECASE), HYDROXIDE),
    (re.compile(r"\bcitrate\b", re.IGNORECASE), CITRATE),
    (re.compile(r"\b(?:bis)?glycinate\b", re.IGNORECASE), GLYCINATE),
    (re.compile(r"\bchloride\b", re.IGNORECASE), CHLORIDE),
    (re.compile(r"\b(?:sulfate|sulphate|epsom)\b", re.IGNORECASE), SULFATE),
    *(
        (re.compile(rf"\b{word}\b", re.IGNORECASE), SupplementForm(f"magnesium {word}", None))
        for word in _NO_FIGURE
    ),
)


@dataclass(frozen=True)
class SupplementDose:
    """A message about a supplement; mg is None when no amount was given."""

    mg: float | None
    form: SupplementForm | None = None
    # A number of pills was given ("2 tablets"), which says nothing of the mg.
    counted: bool = False


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def find_form(text: str) -> SupplementForm | None:
    """The magnesium compound named in `text`; BLEND when several different ones are."""
    found = {form for pattern, form in _FORMS if pattern.search(text)}
    if len(found) > 1:
        return BLEND
    return next(iter(found), None)


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
    form = find_form(text)
    if with_unit is not None:
        return SupplementDose(_number(with_unit.group(1)), form)
    bare = _ANY_NUMBER.search(text)
    # "2 tablets" counts pills, not milligrams: the dose is then unknown, not 2 mg.
    if bare is None:
        return SupplementDose(None, form)
    if _COUNTED.match(text, bare.end()):
        return SupplementDose(None, form, counted=True)
    return SupplementDose(_number(bare.group(1)), form)


def mentions_mg(text: str) -> bool:
    return _MG_UNIT.search(text) is not None


def elemental_mg(compound_mg: float, form: SupplementForm) -> int:
    """About how much elemental magnesium `compound_mg` of the compound holds.

    Rounded as an estimate should be: to 10 mg from 100 mg up, else to 1 mg.
    """
    if form.share is None:
        raise ValueError(f"no elemental share is known for {form.name}")
    value = compound_mg * form.share
    return int(round(value, -1)) if value >= 100 else round(value)


def _young_limits(tables: IntakeTables, adult_ul: int | None) -> str:
    """E.g. '65 mg at 1-3 years, 110 mg at 4-8 years', from the intake tables."""
    parts = []
    for band in AgeBand:
        ul = tables.ul(Profile(age_band=band, sex=Sex.FEMALE))
        if ul is not None and adult_ul is not None and ul < adult_ul:
            parts.append(f"{ul} mg at {band.label}")
    return ", ".join(parts)


def _limit_text(needs: Needs, tables: IntakeTables, ul_mg: int) -> str:
    if needs.age_band is None:
        young = _young_limits(tables, ul_mg)
        who = (
            f" for anyone 9 or older; younger children's limits are much lower ({young})"
            if young
            else ""
        )
    else:
        who = f" at {needs.age_band.label}"
    return (
        "The upper limit (UL) for magnesium from supplements and medicines is "
        f"<b>{ul_mg} mg a day</b> of elemental magnesium{who}. "
        "It does not apply to magnesium in food."
    )


def _mg(value: float) -> str:
    return f"{value:g} mg"


def _conversion(dose: SupplementDose, form: SupplementForm, ul_mg: int) -> tuple[str, bool]:
    """What the amount means for a named form, and whether the dose may be over the UL."""
    assert dose.mg is not None
    amount = _mg(dose.mg)
    label = "“Magnesium” line on the Supplement Facts panel"
    if form.share is None:
        over = dose.mg > ul_mg
        verdict = "above" if over else "within"
        text = (
            "I have no reliable figure for how much elemental magnesium is in "
            f"{esc(form.name)}. If {amount} is the {label}, it is already elemental "
            f"magnesium, and it is <b>{verdict} the upper limit</b>. If {amount} is the "
            f"weight of the whole compound, the magnesium in it is less: check the {label}."
        )
        return text, over
    estimate = elemental_mg(dose.mg, form)
    text = (
        f"<b>{esc(form.name.capitalize())}, {amount}: compound or magnesium?</b>\n"
        f"If {amount} is the compound weight, that is about <b>{estimate} mg of elemental "
        f"magnesium</b> ({esc(form.name)} is roughly {round(form.share * 100)} % magnesium "
        f"by weight; products vary). If {amount} is the {label}, it is already elemental. "
        "Labels usually list elemental magnesium on that line, so check it: the upper limit "
        "counts elemental magnesium, not the compound weight."
    )
    if estimate > ul_mg:
        text += f"\n⚠️ Even about {estimate} mg is <b>above the upper limit</b>."
        return text, True
    if dose.mg > ul_mg:
        text += (
            f"\nAbout {estimate} mg is within the limit; but if {amount} is the “Magnesium” "
            "line, it is <b>above the upper limit</b>."
        )
        return text, True
    text += f"\nEither way, {amount} is within that limit."
    return text, False


def supplement_reply(
    dose: SupplementDose, needs: Needs, tables: IntakeTables, disclaimer: str
) -> str:
    """HTML: what we say about a supplement dose; it is never logged as food."""
    not_logged = (
        "I log food only, so supplements are not added to your day. "
        "Food magnesium has no upper limit: healthy kidneys pass on what the body does not "
        "need. If you have kidney disease, follow your kidney team's diet advice."
    )
    footer = f"<i>{esc(disclaimer)}</i>"
    ul_mg = needs.ul_mg
    if ul_mg is None:
        return (
            "💊 No upper limit is set for infants, and that does not mean any amount is safe: "
            "give a baby no magnesium supplement unless a clinician prescribes it. Breast milk "
            f"or formula provides the magnesium a baby needs.\n\n{not_logged}\n\n{footer}"
        )
    limit = _limit_text(needs, tables, ul_mg)
    kidneys = (
        "With kidney disease, or when taking other medicines, talk to a doctor or pharmacist "
        "before any magnesium supplement: the kidneys are what clear the excess, so when they "
        "work less well magnesium can build up to harmful levels."
    )
    above = (
        "Above it, diarrhoea, nausea and stomach cramps become common, so stay at or under it "
        "unless a clinician has told you otherwise."
    )
    if dose.mg is not None and dose.form is not None:
        explained, over = _conversion(dose, dose.form, ul_mg)
        advice = f" {above}" if over else ""
        return f"💊 {explained}\n\n{limit}{advice}\n\n{kidneys}\n\n{not_logged}\n\n{footer}"
    if dose.mg is not None and dose.mg > ul_mg:
        return (
            f"⚠️ <b>{dose.mg:g} mg is above the upper limit.</b>\n{limit} {above}\n"
            "I read the amount as elemental magnesium, the “Magnesium” line on the Supplement "
            f"Facts panel.\n\n{kidneys}\n\n{not_logged}\n\n{footer}"
        )
    within = (
        f"{dose.mg:g} mg is within that limit, read as elemental magnesium (the “Magnesium” "
        "line on the Supplement Facts panel). "
        if dose.mg is not None
        else ""
    )
    named = (
        f"For {esc(dose.form.name)}, count the “Magnesium” line on the Supplement Facts "
        "panel, not the weight of the whole compound. "
        if dose.form is not None and dose.mg is None
        else ""
    )
    per_pill = (
        "To compare a dose, add up the mg on the label's “Magnesium” line for each pill you "
        "take, e.g. /log magnesium 200 mg. "
        if dose.counted
        else ""
    )
    return f"💊 {limit} {within}{named}{per_pill}\n\n{kidneys}\n\n{not_logged}\n\n{footer}"
