"""The label Daily Value and percentages of it."""

from __future__ import annotations

import math

# Adults and children 4 and older (nih-ods). Fixed here so that %DV is always computed,
# never typed into the data; intake.yaml repeats it and the loader checks the two agree.
DAILY_VALUE_MG = 420


def percent_of(mg: float, target_mg: float) -> int:
    """`mg` as a whole percentage of `target_mg`, rounding halves up as food labels do."""
    if target_mg <= 0:
        raise ValueError("target_mg must be positive")
    if mg < 0:
        raise ValueError("mg must not be negative")
    return math.floor(mg / target_mg * 100 + 0.5)


def percent_dv(mg: float) -> int:
    """Percent of the Daily Value: round(mg / 420 * 100)."""
    return percent_of(mg, DAILY_VALUE_MG)
