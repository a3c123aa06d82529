"""PNG bar charts of magnesium per food, with the person's daily target marked.

Rendering uses Matplotlib's object-oriented API on the Agg canvas (no pyplot, no GUI, no
shared figure state), so it is safe in worker threads; `render_async` runs it in one so a
chart never blocks the event loop. Food charts depend only on (filter, diet, target), so
`ChartCache` renders each once; it lives in the Application's bot_data.
"""

from __future__ import annotations

import asyncio
import io
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

WIDTH_PX = 1000
HEIGHT_PX = 600
_DPI = 100
_KEY = "magbot.chart_cache"

_BAR = "#4C9F70"
_HIGHLIGHT = "#2E6FAC"
_TARGET = "#C0392B"


@dataclass(frozen=True)
class Bar:
    label: str
    mg: float
    highlight: bool = False


@dataclass(frozen=True)
class ChartSpec:
    """Everything a chart shows; hashable, so it can double as a cache key."""

    title: str
    bars: tuple[Bar, ...]
    target_mg: int
    target_label: str
    axis_label: str = "mg of magnesium per serving"


def _plain(text: str) -> str:
    # A pair of "$" would switch Matplotlib into maths mode.
    return text.replace("$", r"\$")


def render_png(spec: ChartSpec) -> bytes:
    """A WIDTH_PX x HEIGHT_PX PNG: one horizontal bar per food, richest at the top."""
    # Imported on the first chart, not at start: Matplotlib is a quarter of a second of the
    # bot's start-up and most processes never draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / _DPI, HEIGHT_PX / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_plain(bar.label) for bar in spec.bars]
    values = [bar.mg for bar in spec.bars]
    colours = [_HIGHLIGHT if bar.highlight else _BAR for bar in spec.bars]
    positions = list(range(len(spec.bars)))
    axes.barh(positions, values, color=colours, height=0.65)
    axes.set_yticks(positions, labels=labels, fontsize=10 if len(labels) <= 14 else 8)
    axes.invert_yaxis()
    top = max([spec.target_mg, *values]) * 1.15
    axes.set_xlim(0, top)
    for position, value in zip(positions, values, strict=True):
        share = round(value / spec.target_mg * 100)
        axes.text(
            value + top * 0.01,
            position,
            f"{value:g} mg ({share}%)",
            va="center",
            fontsize=9,
        )
    axes.axvline(spec.target_mg, color=_TARGET, linestyle="--", linewidth=2)
    axes.text(
        spec.target_mg - top * 0.005,
        0.02,
        _plain(f"daily target: {spec.target_label}"),
        transform=axes.get_xaxis_transform(),
        rotation=90,
        ha="right",
        va="bottom",
        color=_TARGET,
        fontsize=10,
        fontweight="bold",
    )
    axes.set_xlabel(_plain(spec.axis_label))
    axes.set_title(_plain(spec.title), fontsize=14, fontweight="bold", pad=18)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


async def render_async(spec: ChartSpec) -> bytes:
    return await asyncio.to_thread(render_png, spec)


class ChartCache:
    """Least-recently-used PNGs by key; concurrent requests for one key render it once."""

    def __init__(self, capacity: int = 128) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._images: OrderedDict[Hashable, bytes] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[bytes]] = {}
        # Telegram's file_id of a chart once uploaded: sending it again is a short request
        # instead of an upload (Telegram keeps the file; it asks bots to reuse file_ids).
        self._file_ids: dict[Hashable, str] = {}
        self.renders = 0

    def __len__(self) -> int:
        return len(self._images)

    def ready(self, key: Hashable) -> bool:
        """True when `key` needs no rendering: its image or its Telegram file is at hand."""
        return key in self._images or key in self._file_ids

    def file_id(self, key: Hashable) -> str | None:
        return self._file_ids.get(key)

    def remember_file_id(self, key: Hashable, file_id: str) -> None:
        self._file_ids[key] = file_id
        while len(self._file_ids) > self.capacity:
            del self._file_ids[next(iter(self._file_ids))]

    def forget_file_id(self, key: Hashable) -> None:
        self._file_ids.pop(key, None)

    async def get(self, key: Hashable, spec: Callable[[], ChartSpec]) -> bytes:
        """The chart for `key`, rendering `spec()` in a worker thread on a miss."""
        if key in self._images:
            self._images.move_to_end(key)
            return self._images[key]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            image = await render_async(spec())
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            # Nobody else may be waiting; retrieving the exception keeps asyncio quiet.
            future.exception()
            raise
        finally:
            del self._pending[key]
        self.renders += 1
        future.set_result(image)
        self._images[key] = image
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)
        return image


def chart_cache(bot_data: dict[Any, Any]) -> ChartCache:
    """The Application's chart cache, created on first use."""
    found = bot_data.get(_KEY)
    if not isinstance(found, ChartCache):
        found = ChartCache()
        bot_data[_KEY] = found
    return found
