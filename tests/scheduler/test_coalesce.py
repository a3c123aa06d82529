"""The coalescer that batches the engine's `claimed` -> `sending` flips (pure asyncio)."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.coalesce import Coalescer


async def test_items_submitted_together_share_one_flush() -> None:
    flushes: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        flushes.append(items)
        await asyncio.sleep(0)
        return [item * 10 for item in items]

    coalescer: Coalescer[int, int] = Coalescer(flush)
    results = await asyncio.gather(*(coalescer.submit(i) for i in range(5)))
    assert results == [0, 10, 20, 30, 40]
    assert flushes == [[0, 1, 2, 3, 4]]


async def test_items_arriving_during_a_flush_go_in_the_next_one() -> None:
    release = asyncio.Event()
    flushes: list[list[str]] = []

    async def flush(items: list[str]) -> list[str]:
        flushes.append(items)
        if len(flushes) == 1:
            await release.wait()
        return [item.upper() for item in items]

    coalescer: Coalescer[str, str] = Coalescer(flush)
    first = asyncio.ensure_future(coalescer.submit("a"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    later = [asyncio.ensure_future(coalescer.submit(x)) for x in "bc"]
    await asyncio.sleep(0)
    release.set()
    assert await first == "A"
    assert await asyncio.gather(*later) == ["B", "C"]
    assert flushes == [["a"], ["b", "c"]]


async def test_the_gate_holds_flushes_until_poked() -> None:
    open_gate = False
    flushes: list[list[int]] = []

    async def flush(items: list[int]) -> list[bool]:
        flushes.append(items)
        return [True for _ in items]

    coalescer: Coalescer[int, bool] = Coalescer(flush, ready=lambda: open_gate)
    waiting = [asyncio.ensure_future(coalescer.submit(i)) for i in range(3)]
    await asyncio.sleep(0.01)
    assert flushes == [] and not any(w.done() for w in waiting)
    open_gate = True
    coalescer.poke()
    assert await asyncio.gather(*waiting) == [True, True, True]
    assert flushes == [[0, 1, 2]]


async def test_a_failed_flush_fails_its_items_and_not_later_ones() -> None:
    calls = 0

    async def flush(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return items

    coalescer: Coalescer[int, int] = Coalescer(flush)
    with pytest.raises(RuntimeError, match="went away"):
        await coalescer.submit(1)
    assert await coalescer.submit(2) == 2
