"""Numbers in texts must come from the reference sheet; this builds the allow-list.

The allow-list is the data tables (intake values, food values and the figures in food names
and servings) plus the few other figures the reference states in prose, listed below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from content.daily_value import DAILY_VALUE_MG
from content.enums import AGE_BAND_LABELS, AgeBand
from content.intake import IntakeTables
from content.models import Food

# Figures stated in the reference's prose rather than its tables.
REFERENCE_PROSE_NUMBERS: frozenset[str] = frozenset(
    {
        "300",  # cofactor in more than 300 enzyme systems
        "25",  # the adult body holds about 25 g
        "50",  # 50-60 % of it in bone
        "60",
        "1",  # less than 1 % in blood serum
        "0.75",  # serum range 0.75-0.95 mmol/L
        "0.95",
        "30",  # 30-40 % of dietary magnesium is absorbed
        "40",
        "5000",  # toxicity linked to supplements above about 5,000 mg a day
        "2",  # type 2 diabetes
        "4",  # Daily Value applies to adults and children 4 and older
        "9",  # UL of 350 mg from 9 years and older
        "10",  # fortified cereal, 10 % DV
        "90",  # ground beef, 90 % lean
        "70",  # dark chocolate, 70-85 % cocoa
        "85",
        # Added with the extended reference (sections 2-11).
        "48",  # 48 % of the US population eat less than the EAR (NHANES 2013-2016)
        "2013",
        "2016",
        "1.8",  # serum range about 1.8-2.3 mg/dL or 1.5-1.9 mEq/L
        "2.3",
        "1.5",
        "1.9",
        "500",  # milk of magnesia: about 500 mg of elemental magnesium per tablespoon
        "544",  # micrograms of selenium in 1 oz of Brazil nuts
        "400",  # adult selenium UL, micrograms
        "6",  # 6-8 Brazil nuts per ounce; solid food from about 6 months; 4-6 hours
        "8",
        "5",  # no whole nuts under 5; stage 4-5 kidney disease
        "7",  # solid foods added from 7 months
        "3",  # 3 months of supplements in the blood-pressure meta-analysis
        "34",  # 34 trials
        "368",  # about 368 mg a day
        "142",  # zinc, about 142 mg a day
        "2017",  # systematic review on anxiety
        "2020",  # Cochrane review update
        "16",  # elemental share: citrate about 16 %
        "14",  # glycinate about 14 %
        "12",  # chloride about 12 %
        "42",  # hydroxide about 42 %
        "160",  # "magnesium citrate 1000 mg" is roughly 160 mg elemental
        "1000",
        "375",  # EU and UK label reference value
    }
)
# Helpline numbers the reference publishes (section 8, tag helplines/nhs); checked whole,
# since a phone number is not a quantity ("1222" needs no thousands comma).
HELPLINE_NUMBERS = ("1-800-222-1222", "116 123", "988")
_HELPLINES = re.compile(
    "|".join(rf"(?<![\d-]){re.escape(number)}(?![\d-])" for number in HELPLINE_NUMBERS)
)

_TOKEN = re.compile(
    r"(?<![\d.,/])(?:"
    r"(?P<fraction>\d+/\d+)"
    r"|(?P<thousands>\d{1,3}(?:,\d{3})+)(?![\d])"
    r"|(?P<plain>\d+(?:\.\d+)?)"
    r")"
)


def canonical(number_text: str) -> str:
    """One spelling per number: '5,000' -> '5000', '0.750' -> '0.75', '1/2' stays."""
    if "/" in number_text:
        return number_text
    value = Decimal(number_text.replace(",", ""))
    return format(value.normalize(), "f")


def extract_numbers(text: str) -> list[str]:
    """Every number in `text` as written (ranges give both ends; '1/2' is one number)."""
    return [match.group(0) for match in _TOKEN.finditer(text)]


def reference_numbers(foods: Iterable[Food], intake: IntakeTables | None) -> frozenset[str]:
    allowed: set[str] = set(REFERENCE_PROSE_NUMBERS)
    allowed.add(str(DAILY_VALUE_MG))
    for label in AGE_BAND_LABELS.values():
        allowed.update(canonical(token) for token in extract_numbers(label))
    for band in AgeBand:
        allowed.update(canonical(token) for token in extract_numbers(band.value))
    if intake is not None:
        for row in intake.rda_rows:
            for value in (row.male, row.female, row.pregnant, row.breastfeeding):
                if value is not None:
                    allowed.add(str(value))
        for ul_row in intake.ul_rows:
            if ul_row.supplement_mg is not None:
                allowed.add(str(ul_row.supplement_mg))
    for food in foods:
        allowed.add(str(food.mg))
        allowed.add(str(food.percent_dv))
        if food.mg_max is not None:
            allowed.add(str(food.mg_max))
        if food.grams is not None:
            allowed.add(canonical(str(food.grams)))
        for token in extract_numbers(f"{food.name} {food.serving}"):
            allowed.add(canonical(token))
    return frozenset(allowed)


def number_problems(text: str, allowed: frozenset[str]) -> list[str]:
    """Messages for each number in `text` that is not allowed or is badly written."""
    messages: list[str] = []
    text = _HELPLINES.sub(" ", text)
    for token in extract_numbers(text):
        if canonical(token) not in allowed:
            messages.append(
                f"the number {token} is not in the reference sheet; "
                "use a number from the reference or say it in words"
            )
        elif token.isdigit() and len(token) > 3:
            messages.append(f"write {token} with a thousands comma, e.g. 5,000")
    return messages
