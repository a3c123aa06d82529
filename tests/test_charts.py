"""The PNG charts: real images of the right size, rendered off the event loop, cached once."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from matplotlib import image as mpimg

from bot.charts import (
    HEIGHT_PX,
    WIDTH_PX,
    Bar,
    ChartCache,
    ChartSpec,
    chart_cache,
    render_async,
    render_png,
)

SPEC = ChartSpec(
    title="Seeds: magnesium per serving",
    bars=(Bar("Hemp seeds · 3 tbsp (30 g)", 210), Bar("Pumpkin seeds · 1 oz (28 g)", 156)),
    target_mg=320,
    target_label="your RDA 320 mg",
)


def decode(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(mpimg.imread(io.BytesIO(png), format="png"))


def has_colour(pixels: np.ndarray, hex_colour: str, minimum: int = 200) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    close = np.all(np.abs(pixels[:, :, :3] - rgb) < 0.03, axis=2)
    return int(close.sum()) >= minimum


def test_png_decodes_to_the_fixed_size_with_bars_and_target_line() -> None:
    pixels = decode(render_png(SPEC))
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX) == (600, 1000)
    assert has_colour(pixels, "#4C9F70")  # the bars
    assert has_colour(pixels, "#C0392B")  # the dashed target line


def test_target_line_sits_right_of_shorter_bars() -> None:
    pixels = decode(render_png(SPEC))
    red = np.argwhere(np.all(np.abs(pixels[:, :, :3] - np.array([192, 57, 43]) / 255) < 0.03, 2))
    green = np.argwhere(np.all(np.abs(pixels[:, :, :3] - np.array([76, 159, 112]) / 255) < 0.03, 2))
    # 320 mg is further right than the 210 mg bar ends.
    assert np.median(red[:, 1]) > green[:, 1].max()


@pytest.mark.parametrize(
    "bars",
    [
        (),
        tuple(Bar(f"Food {i} $x$ 100 %", 10 + i) for i in range(40)),
        (Bar("Total today", 5000, highlight=True),),
    ],
)
def test_odd_charts_still_render(bars: tuple[Bar, ...]) -> None:
    spec = ChartSpec("Odd", bars, 30, "AI 30 mg", "mg")
    assert decode(render_png(spec)).shape[:2] == (HEIGHT_PX, WIDTH_PX)


async def test_rendering_leaves_the_event_loop_free() -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    async def render() -> bytes:
        try:
            return await render_async(SPEC)
        finally:
            done.set()

    image, _ = await asyncio.gather(render(), ticker())
    assert decode(image).shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert ticks > 1


async def test_cache_renders_each_key_once_even_when_asked_together() -> None:
    cache = ChartCache(capacity=2)
    built: list[str] = []

    def spec(name: str) -> ChartSpec:
        built.append(name)
        return ChartSpec(name, SPEC.bars, SPEC.target_mg, SPEC.target_label)

    together = await asyncio.gather(*(cache.get("a", lambda: spec("a")) for _ in range(5)))
    assert len(set(together)) == 1 and built == ["a"] and cache.renders == 1
    assert await cache.get("a", lambda: spec("a")) == together[0]
    assert cache.renders == 1
    await cache.get("b", lambda: spec("b"))
    await cache.get("a", lambda: spec("a"))  # a is now the most recently used
    await cache.get("c", lambda: spec("c"))  # evicts b
    assert len(cache) == 2 and cache.renders == 3
    await cache.get("b", lambda: spec("b"))
    assert cache.renders == 4 and built == ["a", "b", "c", "b"]


async def test_a_failed_render_is_not_cached() -> None:
    cache = ChartCache()

    def broken() -> ChartSpec:
        raise RuntimeError("no data")

    with pytest.raises(RuntimeError):
        await cache.get("k", broken)
    assert len(cache) == 0
    assert decode(await cache.get("k", lambda: SPEC)).shape[:2] == (HEIGHT_PX, WIDTH_PX)


def test_cache_lives_in_bot_data() -> None:
    bot_data: dict[object, object] = {}
    first = chart_cache(bot_data)
    assert chart_cache(bot_data) is first
    assert chart_cache({}) is not first
    with pytest.raises(ValueError):
        ChartCache(capacity=0)
