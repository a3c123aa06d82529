"""Machine-readable benchmark results and the goals they are judged against.

Each benchmark script ends its output with one line

    BENCHMARK-RESULT {"name": "ask", "figures": {...}}

(`emit`); `benchmarks/run_all.py` reads those lines back (`parse_results`) and turns them
into one Markdown table of goals (`judge`, `markdown_table`). Everything here is pure, so
the judging is unit-tested without running a benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "BENCHMARK-RESULT "

Figures = Mapping[str, Any]


def emit(name: str, figures: Figures) -> None:
    """Print the script's key figures as its last line, for run_all.py."""
    print(PREFIX + json.dumps({"name": name, "figures": figures}), flush=True)


def parse_results(lines: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, figures) of every well-formed BENCHMARK-RESULT line, in order."""
    results: list[tuple[str, dict[str, Any]]] = []
    for line in lines:
        line = line.strip()
        if not line.startswith(PREFIX):
            continue
        try:
            data = json.loads(line[len(PREFIX) :])
        except json.JSONDecodeError:
            continue
        if (
            isinstance(data, dict)
            and isinstance(data.get("name"), str)
            and isinstance(data.get("figures"), dict)
        ):
            results.append((data["name"], data["figures"]))
    return results


@dataclass(frozen=True)
class Row:
    benchmark: str
    goal: str
    measured: str
    # True: met, False: missed, None: informational (no goal set).
    met: bool | None
    # The run produced no result (it failed, or printed no BENCHMARK-RESULT line).
    failed: bool = False

    @property
    def verdict(self) -> str:
        if self.failed:
            return "**no result**"
        if self.met is None:
            return ""
        return "met" if self.met else "**missed**"


# Goals (issue 16). Kept here, next to the judging, so the table and the tests agree.
ASK_P99_MS = 5.0
ASK_LONG_P99_MS = 15.0
ENGINE_MSGS_PER_S = 1000.0
ENGINE_PEAK_RSS_MB = 250.0
FIDELITY_PERCENT_OF_R = 95.0
DUE_QUERY_MS = 50.0
LOAD_UPDATES_PER_S = 300.0
LOAD_P99_MS = 200.0
# Bot CPU per update for the full conversation in polling mode, per database.
LOAD_BOT_CPU_MS = {"sqlite": 3.0, "postgresql": 2.5}
# Past capacity (load.py --overload): Telegram's one message a second per chat (_overload).
CHAT_SEND_INTERVAL_MS = 1000.0
NO_GOAL = "(none set)"

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# What each benchmark is judged against, for the row of a run that gave no result.
GOALS = {
    "ask": f"p99 < {ASK_P99_MS:g} ms; 4,096 characters p99 < {ASK_LONG_P99_MS:g} ms",
    "delivery_throughput": (
        f">= {ENGINE_MSGS_PER_S:,.0f} msg/s and peak RSS < {ENGINE_PEAK_RSS_MB:g} MB, both backends"
    ),
    "delivery_fidelity": f">= {FIDELITY_PERCENT_OF_R:g} % of R, 0 duplicates, 0 lost",
    "delivery_planning": f"< {DUE_QUERY_MS:g} ms per tick (median), both backends",
    "broadcast_queue": NO_GOAL,
    "head_of_line": NO_GOAL,
    "load": f">= {LOAD_UPDATES_PER_S:g} updates/s, p99 < {LOAD_P99_MS:g} ms",
    "sqlite_driver": NO_GOAL,
}


def _backend(name: str) -> str:
    return BACKEND_NAMES.get(name, name)


def _ask(figures: Figures) -> list[Row]:
    p99, long_p99 = float(figures["p99_ms"]), float(figures["long_p99_ms"])
    return [
        Row(
            f"`/ask` answer latency, evaluation set of {figures['messages']:,} (`ask.py`)",
            GOALS["ask"],
            f"p50 {figures['p50_ms']:.2f} ms, p99 {p99:.2f} ms; 4,096 characters p99 "
            f"{long_p99:.1f} ms; index build {figures['index_build_ms']:.0f} ms",
            p99 < ASK_P99_MS and long_p99 < ASK_LONG_P99_MS,
        )
    ]


def _throughput(figures: Figures) -> list[Row]:
    backends: Mapping[str, Mapping[str, Any]] = figures["backends"]
    subscribers = f"{figures['subscribers']:,} subscribers"
    if figures.get("quiz"):
        subscribers += ", tip and quiz each"
    rates = ", ".join(f"{_backend(b)} {v['msgs_per_s']:,.0f}" for b, v in backends.items())
    memory = ", ".join(f"{v['peak_rss_mb']:.0f} MB ({_backend(b)})" for b, v in backends.items())
    # "Both backends": a run of only one backend cannot meet a goal set for both.
    both = {"sqlite", "postgresql"} <= set(backends)
    return [
        Row(
            f"Delivery throughput, {subscribers} (`delivery_throughput.py`)",
            f">= {ENGINE_MSGS_PER_S:,.0f} msg/s on both backends",
            f"{rates} msg/s",
            both and all(v["msgs_per_s"] >= ENGINE_MSGS_PER_S for v in backends.values()),
        ),
        Row(
            f"Peak memory, {subscribers} tick (`delivery_throughput.py`)",
            f"< {ENGINE_PEAK_RSS_MB:g} MB on both backends",
            memory,
            both and all(v["peak_rss_mb"] < ENGINE_PEAK_RSS_MB for v in backends.values()),
        ),
    ]


def _fidelity(figures: Figures) -> list[Row]:
    runs: list[Mapping[str, Any]] = figures["runs"]
    duplicates = sum(int(r["duplicates"]) for r in runs)
    lost = sum(int(r["lost"]) for r in runs)
    percents = "; ".join(f"R={r['rate']}: {r['percent_of_rate']:.1f} %" for r in runs)
    return [
        Row(
            "Delivery fidelity under a server enforcing R msg/s (`delivery_fidelity.py`)",
            GOALS["delivery_fidelity"],
            f"{percents}; {duplicates} duplicates, {lost} lost",
            bool(runs)
            and all(r["percent_of_rate"] >= FIDELITY_PERCENT_OF_R for r in runs)
            and duplicates == 0
            and lost == 0,
        )
    ]


def _planning(figures: Figures) -> list[Row]:
    backends: Mapping[str, Mapping[str, Any]] = figures["backends"]
    medians = ", ".join(
        f"{_backend(b)} {v['due_query_median_ms']:.2f} ms" for b, v in backends.items()
    )
    return [
        Row(
            f"Due query over {figures['subscriptions']:,} subscriptions (`delivery_planning.py`)",
            f"< {DUE_QUERY_MS:g} ms per tick",
            f"{medians} (median)",
            bool(backends)
            and all(v["due_query_median_ms"] < DUE_QUERY_MS for v in backends.values()),
        )
    ]


def _broadcast(figures: Figures) -> list[Row]:
    backends: Mapping[str, Mapping[str, Any]] = figures["backends"]
    recipients = max((int(v["recipients"]) for v in backends.values()), default=0)
    queue = ", ".join(f"{_backend(b)} {v['queue_s']:.2f} s" for b, v in backends.items())
    claims = ", ".join(f"{_backend(b)} {v['claim_median_ms']:.1f}" for b, v in backends.items())
    return [
        Row(
            f"Queueing a {recipients:,}-recipient broadcast (`broadcast_queue.py`)",
            NO_GOAL,
            f"Send: {queue}; claim per 500 chats: {claims} ms (median)",
            None,
        )
    ]


def _head_of_line(figures: Figures) -> list[Row]:
    return [
        Row(
            f"Head-of-line blocking: `/help` in another chat during {figures['taps']:,} "
            "button taps (`head_of_line.py`)",
            NO_GOAL,
            f"{figures['quiet_s']:.2f} s on a quiet bot, {figures['during_s']:.2f} s during "
            f"the taps ({figures['dropped']:,.0f} dropped by the chat's bound)",
            None,
        )
    ]


def _overload(figures: Figures, run: Mapping[str, Any], name: str) -> Row:
    """Past capacity: every update answered, and the time in the bot held by its backlog.

    Updates the bot has no room for wait at Telegram (polling stops fetching), so the
    bound is on the time from the bot taking an update to its reply: the backlog
    (MAX_PENDING_UPDATES) worked off at the rate measured, plus two of the chat's
    one-a-second send slots (the second message of the chat's previous reply, then its own).
    """
    backlog_ms = figures["max_pending"] * 1000 / max(run["updates_per_s"], 1.0)
    bound_ms = backlog_ms + 2 * CHAT_SEND_INTERVAL_MS
    lost = int(run["offered"]) - int(run["handled"]) + int(run["errors"])
    met = lost == 0 and run["p99_in_bot_ms"] <= bound_ms
    return Row(
        name,
        "nothing lost; p99 in the bot <= backlog / rate + 2 chat send slots",
        f"{run['updates_per_s']:.0f} updates/s served, {lost} lost; p99 in the bot "
        f"{run['p99_in_bot_ms']:,.0f} ms (bound {bound_ms:,.0f} ms for a backlog of "
        f"{figures['max_pending']:,}); p99 from offer {run['p99_ms']:,.0f} ms",
        met,
    )


def _rush(figures: Figures, run: Mapping[str, Any], database: str) -> Row:
    """Replies while the embedded scheduler sends the tips due (load.py --due)."""
    budget = figures.get("broadcast_rate")
    tips = int(run["deliveries"])
    pace = f"{budget:g}/s send budget" if budget else "send budget lifted"
    return Row(
        f"The 8:00 rush: the full conversation while {run['due']:,} tips are due "
        f"(`load.py --due`, {figures['users']:,} users, {figures['rate']:.0f}/s offered, "
        f"{pace}, {run['mode']}, {_backend(database)})",
        NO_GOAL,
        f"replies p50 {run['p50_ms']:,.1f} ms, p99 {run['p99_ms']:,.1f} ms, slowest "
        f"{run['max_ms']:,.1f} ms; {tips:,} tip{'' if tips == 1 else 's'} sent meanwhile "
        f"({run['deliveries_per_s']:.0f}/s"
        + (")" if run.get("sent_throughout") else "; all sent before the run ended)"),
        None,
    )


def _load(figures: Figures) -> list[Row]:
    database = str(figures["database"])
    script = str(figures["script"])
    what = {"help": "`/help` only", "conversation": "full conversation"}.get(script, script)
    rows = []
    for run in figures["runs"]:
        mode = str(run["mode"])
        name = (
            f"Load, {what} (`load.py`, {figures['users']:,} users, "
            f"{figures['rate']:.0f}/s offered, {mode}, {_backend(database)})"
        )
        if figures.get("overload"):
            if figures.get("open_loop"):
                name = name.replace(" users,", " users with one message each,", 1)
            rows.append(_overload(figures, run, name.replace("Load,", "Overload,", 1)))
            continue
        if run.get("due"):
            rows.append(_rush(figures, run, database))
            continue
        cpu = run.get("bot_cpu_ms_per_update")
        # The CPU budget is the full conversation's, in polling mode (one bot process).
        cpu_limit = (
            LOAD_BOT_CPU_MS.get(database)
            if script == "conversation" and mode == "polling"
            else None
        )
        goal = GOALS["load"]
        if cpu_limit is not None:
            goal += f"; bot CPU <= {cpu_limit:g} ms/update"
        cpu_text = "bot CPU n/a" if cpu is None else f"{cpu:.1f} ms bot CPU per update"
        workers = [each for each in run.get("worker_cpu_ms_per_update") or [] if each is not None]
        if len(workers) > 1:
            cpu_text += " (each worker per update it answered: "
            cpu_text += ", ".join(f"{each:.1f}" for each in workers) + " ms)"
        database_cpu = run.get("database_cpu_ms_per_update")
        if database_cpu is not None:
            cpu_text += f", PostgreSQL {database_cpu:.2f} ms"
        errors = int(run["errors"])
        # Sustained: offered at the target rate and every update answered (the handled
        # rate stays just under the offered one, the last replies coming after the last
        # offer).
        sustained = run["offered_per_s"] >= LOAD_UPDATES_PER_S and run["kept_up"]
        met = (
            sustained
            and run["p99_ms"] < LOAD_P99_MS
            and errors == 0
            and (cpu_limit is None or (cpu is not None and cpu <= cpu_limit))
        )
        rows.append(
            Row(
                name,
                goal,
                f"{run['updates_per_s']:.0f} updates/s "
                f"({'all' if run['kept_up'] else 'not all'} of {run['offered_per_s']:.0f}/s "
                f"answered), p50 {run['p50_ms']:,.1f} ms, "
                f"p99 {run['p99_ms']:,.1f} ms, {cpu_text}"
                + (f", {errors} errors" if errors else ""),
                met,
            )
        )
    return rows


def _sqlite_driver(figures: Figures) -> list[Row]:
    by_path: dict[str, list[str]] = {}
    for path in figures["paths"]:
        by_path.setdefault(str(path["path"]), []).append(f"{path['cpu_ms_per_tx']:.3f}")
    concurrency = " / ".join(
        str(c) for c in dict.fromkeys(int(p["concurrency"]) for p in figures["paths"])
    )
    measured = ", ".join(f"{path} {' / '.join(cpu)}" for path, cpu in by_path.items())
    return [
        Row(
            "SQLite access paths, one update's transaction (`sqlite_driver.py`)",
            NO_GOAL,
            f"CPU ms/tx ({concurrency} at once): {measured}",
            None,
        )
    ]


def _chat_cache(figures: Figures) -> list[Row]:
    lookups = ", ".join(
        f"{_backend(name)} {figures[name]['memory_us']:g} µs from memory, "
        f"{figures[name]['database_us']:g} µs from the database"
        for name in ("sqlite", "postgresql")
    )
    pg = figures["postgresql"]
    return [
        Row(
            "Chat cache: a lookup, and another process's change reaching it (`chat_cache.py`)",
            NO_GOAL,
            f"{lookups}; change feed p50 {pg['feed_p50_ms']:g} ms, p99 {pg['feed_p99_ms']:g} ms, "
            f"max {pg['feed_max_ms']:g} ms ({pg['changes']} changes)",
            None,
        )
    ]


JUDGES: dict[str, Callable[[Figures], list[Row]]] = {
    "chat_cache": _chat_cache,
    "ask": _ask,
    "delivery_throughput": _throughput,
    "delivery_fidelity": _fidelity,
    "delivery_planning": _planning,
    "broadcast_queue": _broadcast,
    "head_of_line": _head_of_line,
    "load": _load,
    "sqlite_driver": _sqlite_driver,
}


def judge(name: str, figures: Figures) -> list[Row]:
    """The table rows for one benchmark's figures; malformed figures give a failed row."""
    judge_rows = JUDGES.get(name)
    if judge_rows is None:
        return [Row(f"`{name}`", NO_GOAL, json.dumps(dict(figures), sort_keys=True), None)]
    try:
        return judge_rows(figures)
    except (KeyError, TypeError, ValueError) as error:
        return [missing(name, f"malformed figures ({type(error).__name__}: {error})")]


def missing(name: str, why: str, label: str | None = None) -> Row:
    """The row of a run that gave no result."""
    return Row(label or f"`{name}`", GOALS.get(name, NO_GOAL), why, False, failed=True)


def markdown_table(rows: Iterable[Row]) -> str:
    lines = ["| Benchmark | Goal | Measured | Verdict |", "|---|---|---|---|"]
    for row in rows:
        cells = [row.benchmark, row.goal, row.measured, row.verdict]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
