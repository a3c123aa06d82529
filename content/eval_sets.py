"""Reading the evaluation sets in tests/: items under `tuning` and `holdout`, in that order.

`holdout` is written with the rest and only ever scored, never tuned against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SPLITS = ("tuning", "holdout")


def read_splits(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each raw item with the split it belongs to."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for split in SPLITS:
        for entry in raw.get(split) or ():
            yield split, entry


def message_of(raw: dict[str, Any]) -> str:
    """The item's message with its white space folded (YAML may wrap long ones)."""
    return " ".join(str(raw["q"]).split())
