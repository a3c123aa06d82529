"""Number extraction and the allow-list of numbers texts may use."""

from __future__ import annotations

import pytest
import yaml

from content import Food
from content.intake import IntakeTables
from content.loader import DEFAULT_DATA_DIR
from content.numbers import canonical, extract_numbers, number_problems, reference_numbers

# Every number written in /work/shared/reference/magnesium-facts.md, typed in by hand
# (sections 1-6; fractions as written in servings).
REFERENCE_SHEET_NUMBERS = frozenset(
    # Section 1-3: body stores, serum range, absorption, type 2 diabetes, toxicity.
    {"300", "25", "50", "60", "1", "0.75", "0.95", "30", "40", "2", "5000"}
    # Section 4: age bands, RDA/AI, UL, Daily Value.
    | {"0", "6", "7", "12", "3", "4", "8", "9", "13", "14", "18", "19", "31", "51"}
    | {"75", "80", "130", "240", "410", "360", "400", "310", "350", "420", "320", "65", "110"}
    # Section 5: servings, grams, percentages in names, mg values.
    | {"28", "1/2", "1/4", "3.5", "100", "85", "10", "90", "70", "175", "185", "172", "168"}
    | {"164", "126", "198", "200"}
    | {"156", "111", "78", "74", "63", "61", "49", "43", "42", "36", "35", "32", "26", "24"}
    | {"27", "23", "22", "20", "210", "150", "118", "105", "91", "86", "82", "79", "73", "71"}
    | {"58", "39"}
    # Sections 2-11 (extended reference): NHANES share and years, serum units, milk of
    # magnesia, selenium, elemental shares, interactions, evidence figures, EU label value.
    | {"48", "2013", "2016", "1.8", "2.3", "1.5", "1.9", "500", "544", "5", "34", "368"}
    | {"142", "2017", "2020", "16", "160", "1000", "375"}
)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("about 5,000 mg", ["5,000"]),
        ("0.75-0.95 mmol/L", ["0.75", "0.95"]),
        ("1/2 cup of spinach has 78 mg.", ["1/2", "78"]),
        ("24-27 mg per 1 cup", ["24", "27", "1"]),
        ("type 2 diabetes, 30, 40", ["2", "30", "40"]),
        ("no digits at all", []),
        ("it is 420.", ["420"]),
    ],
)
def test_extract_numbers(text: str, numbers: list[str]) -> None:
    assert extract_numbers(text) == numbers


def test_canonical_spelling() -> None:
    assert canonical("5,000") == "5000"
    assert canonical("0.750") == "0.75"
    assert canonical("28.0") == "28"
    assert canonical("1/2") == "1/2"


def test_number_problems() -> None:
    allowed = frozenset({"420", "5000"})
    assert number_problems("420 mg and 5,000 mg", allowed) == []
    assert len(number_problems("421 mg", allowed)) == 1
    assert "comma" in number_problems("5000 mg", allowed)[0]


def test_allow_list_holds_only_reference_numbers() -> None:
    # The allow-list is built from the data files; a typo there must not widen it.
    foods = [
        Food.model_validate(raw)
        for raw in yaml.safe_load((DEFAULT_DATA_DIR / "foods.yaml").read_text())["foods"]
    ]
    intake = IntakeTables.model_validate(
        yaml.safe_load((DEFAULT_DATA_DIR / "intake.yaml").read_text())
    )
    computed_dv = {str(food.percent_dv) for food in foods}
    allowed = reference_numbers(foods, intake)
    assert allowed - computed_dv <= REFERENCE_SHEET_NUMBERS
    assert allowed >= REFERENCE_SHEET_NUMBERS
