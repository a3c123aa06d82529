"""Shared set-up for the delivery benchmarks: a fake Bot API process, bulk-loaded chats."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table

from content import Topic
from storage.models import Chat

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:BENCHtokenBENCHtokenBENCH-abcdef"
CHATS = cast(Table, Chat.__table__)
TOPICS = [str(t) for t in Topic]
# A spread of zones, all due at the benchmark's instant (each chat's slot is that instant).
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Markdown table, ready to paste into the README."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}\n")
    for number, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(flush=True)


@contextlib.contextmanager
def fake_bot_api(*options: str) -> Iterator[str]:
    """`python -m devtools.fakebotapi` on 127.0.0.1 in its own process; yields its URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.fakebotapi",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *options,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1"):
            raise RuntimeError(f"fake Bot API did not start: {url!r}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def chat_rows(
    count: int,
    due_at: dt.datetime,
    first_id: int = 1,
    spread_minutes: int = 1,
    *,
    quiz_size: int = 0,
) -> Iterator[dict[str, Any]]:
    """`count` active daily subscribers due at `due_at`, or spread over the minutes after it.

    Scheduled quizzes are off unless `quiz_size` is given; then the slot's local day is
    each chat's quiz day (see `history_rows` for the tips a quiz needs).
    """
    defaults = {
        column.name: column.default.arg  # type: ignore[attr-defined]
        for column in CHATS.columns
        if column.default is not None and getattr(column.default, "is_scalar", False)
    }
    zones = {zone: ZoneInfo(zone) for zone in ZONES}
    for number in range(count):
        zone = ZONES[number % len(ZONES)]
        due = due_at + dt.timedelta(minutes=number % spread_minutes)
        local = due.astimezone(zones[zone])
        yield {
            **defaults,
            "id": first_id + number,
            "type": "private",
            "status": "active",
            "paused_indefinitely": False,
            "timezone": zone,
            "delivery_time": local.time().replace(second=0, microsecond=0),
            "frequency": "daily",
            "topics": TOPICS,
            "diet": ["vegan"] if number % 7 == 0 else [],
            "food_mode": "with_tip",
            "food_weekday": 0,
            "next_due_at": due,
            "tip_cycle": 1,
            "food_cycle": 1,
            "quiz_size": quiz_size,
            "quiz_weekday": local.weekday() if quiz_size else 6,
        }


def history_rows(
    count: int, tip_ids: Sequence[str], per_chat: int, first_id: int = 1
) -> Iterator[dict[str, Any]]:
    """Tips each of `count` chats received before (content_history rows), `per_chat` each
    taken in turn from `tip_ids`, so the weekly quiz has questions to ask."""
    for number in range(count):
        for offset in range(per_chat):
            yield {
                "chat_id": first_id + number,
                "kind": "tip",
                "item_id": tip_ids[(number + offset) % len(tip_ids)],
                "cycle": 1,
            }


def load_sqlite(
    path: Path, rows: Iterator[dict[str, Any]], chunk: int = 50_000, *, table: str = "chats"
) -> None:
    """Plain sqlite3 executemany: a million rows in seconds."""
    connection = sqlite3.connect(path)
    try:
        first = next(rows)
        columns = list(first)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

        def encode(row: dict[str, Any]) -> tuple[Any, ...]:
            values = []
            for name in columns:
                value = row[name]
                if isinstance(value, list):
                    value = json.dumps(value)
                elif isinstance(value, dt.datetime):
                    value = value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                elif isinstance(value, dt.time):
                    value = value.strftime("%H:%M:%S.%f")
                values.append(value)
            return tuple(values)

        batch = [encode(first)]
        for row in rows:
            batch.append(encode(row))
            if len(batch) >= chunk:
                connection.executemany(sql, batch)
                batch.clear()
        connection.executemany(sql, batch)
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


async def load_postgres(dsn: str, rows: Iterator[dict[str, Any]], *, table: str = "chats") -> None:
    """COPY through asyncpg: the fastest way in."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        first = next(rows)
        columns = list(first)

        def encode(row: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(json.dumps(v) if isinstance(v, list) else v for v in row.values())

        def records() -> Iterator[tuple[Any, ...]]:
            yield encode(first)
            for row in rows:
                yield encode(row)

        await connection.copy_records_to_table(table, records=records(), columns=columns)
        await connection.execute(f"ANALYZE {table}")
    finally:
        await connection.close()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


def cpu_count() -> int:
    return os.cpu_count() or 1
