"""The /progress chart: the last weeks' quiz answers (right and missed) and active days.

Matplotlib is imported only when a chart is drawn, so a process that never draws one does
not pay for it. Rendering uses the object-oriented API on the Agg canvas (no pyplot, no
shared figure state) and runs in a worker thread (`render_async`), like bot/charts.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH_PX = 1000
HEIGHT_PX = 560
_DPI = 100

_RIGHT = "#4C9F70"
_MISSED = "#C0392B"
_ACTIVE = "#2E6FAC"


@dataclass(frozen=True)
class Week:
    """One bar group: the week's first day, quiz answers and days with a tap or an answer."""

    start: dt.date
    right: int
    missed: int
    active_days: int


def render_png(weeks: Sequence[Week], title: str = "Your last 8 weeks") -> bytes:
    """A WIDTH_PX x HEIGHT_PX PNG: per week a stacked bar of right and missed answers and,
    beside it, a bar of active days (0 to 7)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / _DPI, HEIGHT_PX / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.38
    answers_x = [n - width / 2 for n in range(len(weeks))]
    active_x = [n + width / 2 for n in range(len(weeks))]
    right = [week.right for week in weeks]
    missed = [week.missed for week in weeks]
    active = [week.active_days for week in weeks]
    axes.bar(answers_x, right, width, color=_RIGHT, label="questions right")
    axes.bar(answers_x, missed, width, bottom=right, color=_MISSED, label="questions missed")
    axes.bar(active_x, active, width, color=_ACTIVE, alpha=0.75, label="active days")
    for x, value in zip(active_x, active, strict=True):
        if value:
            axes.text(x, value + 0.1, str(value), ha="center", va="bottom", fontsize=9)
    for x, good, bad in zip(answers_x, right, missed, strict=True):
        if good + bad:
            axes.text(x, good + bad + 0.1, f"{good}/{good + bad}", ha="center", fontsize=9)
    axes.set_xticks(
        list(range(len(weeks))), labels=[f"{week.start:%d %b}" for week in weeks], fontsize=10
    )
    top = max([7, *active, *(a + b for a, b in zip(right, missed, strict=True))])
    axes.set_ylim(0, top * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("week starting")
    axes.set_title(title, fontsize=14, fontweight="bold", pad=14)
    axes.legend(loc="upper left", frameon=False, ncols=3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


async def render_async(weeks: Sequence[Week]) -> bytes:
    return await asyncio.to_thread(render_png, tuple(weeks))
