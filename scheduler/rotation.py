"""Which tip and which food a chat gets next: every item once per cycle, then a new cycle.

Each chat walks its own shuffled order (a stable hash of chat, cycle and item), so topics
interleave, neighbours in a group do not all get the same tip, and the order survives
restarts and is the same in every process.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from content import Diet, Food, Library, Tip, Topic, percent_dv

_TOPICS = frozenset(Topic)
# A "good source" on food labels; suggesting 3 % DV broccoli as a magnesium idea would not help.
GOOD_SOURCE_PERCENT_DV = 10
# Below this many good sources (a narrow diet), rotate through every fitting food instead.
MIN_RICH_FOODS = 5
_DIETS = frozenset(Diet)


@dataclass(frozen=True, slots=True)
class Pick:
    item_id: str
    # The cycle the pick belongs to: one more than the chat's when the last one ran out.
    cycle: int


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=64)
def _shuffled(candidates: tuple[str, ...]) -> tuple[str, ...]:
    """One fixed shuffle of the catalogue, so neighbouring items rarely share a topic."""
    return tuple(sorted(candidates, key=_stable_hash))


@functools.lru_cache(maxsize=256)
def _strides(size: int) -> tuple[int, ...]:
    return tuple(n for n in range(1, max(size, 2)) if math.gcd(n, size) == 1) or (1,)


def pick_next(
    candidates: Sequence[str], seen: Collection[str], *, chat_id: int, cycle: int
) -> Pick | None:
    """The first unseen candidate in this chat's order for `cycle`, or a new cycle's first.

    A chat's order walks the shuffled catalogue from its own start with its own stride
    (coprime with the length, so every item comes up once), both new every cycle: one hash
    per pick, not one per item.
    """
    if not candidates:
        return None
    order = _shuffled(tuple(candidates))
    if all(item in seen for item in order):
        cycle += 1
        seen = ()
    size = len(order)
    mix = _stable_hash(f"{chat_id}:{cycle}")
    strides = _strides(size)
    start, stride = mix % size, strides[(mix // size) % len(strides)]
    for step in range(size):
        item = order[(start + step * stride) % size]
        if item not in seen:
            return Pick(item, cycle)
    raise AssertionError("unreachable: a new cycle has nothing seen")


def tip_candidates(library: Library, topics: Sequence[str]) -> tuple[Tip, ...]:
    """Tips of the chat's topics; unknown topic names are ignored, none chosen means all."""
    return library.memo(("tip_candidates", tuple(topics)), lambda: _tip_candidates(library, topics))


def _tip_candidates(library: Library, topics: Sequence[str]) -> tuple[Tip, ...]:
    valid = [Topic(t) for t in topics if t in _TOPICS]
    return library.tips_for_topics(valid) if valid else library.tips


def food_candidates(library: Library, diet: Sequence[str]) -> tuple[Food, ...]:
    """Everyday foods that fit every diet flag, good sources (10 % DV or more) when enough.

    A diet flag we do not know cannot be honoured, so it yields no food rather than a
    food that might break it.
    """
    return library.memo(("food_candidates", tuple(diet)), lambda: _food_candidates(library, diet))


def _food_candidates(library: Library, diet: Sequence[str]) -> tuple[Food, ...]:
    if any(flag not in _DIETS for flag in diet):
        return ()
    fitting = tuple(f for f in library.foods_for_diets(Diet(d) for d in diet) if f.everyday)
    rich = tuple(f for f in fitting if percent_dv(f.mg) >= GOOD_SOURCE_PERCENT_DV)
    return rich if len(rich) >= MIN_RICH_FOODS else fitting
