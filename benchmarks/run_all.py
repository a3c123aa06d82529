"""Every benchmark, one after the other, then one table of goals and what was measured.

Each script runs in its own process (`python -u`, from the repository root) with its
defaults; its output is streamed as it comes, and its last line (`BENCHMARK-RESULT {...}`,
see benchmarks/report.py) gives the figures the table is made of. The load test runs as the
docs report it: `/help` only and the full conversation on SQLite, the full conversation on
PostgreSQL in polling mode and with two webhook workers (a throwaway server from
devtools/pgserver.py each time), past capacity, and the 8:00 rush (the conversation while
the bot's own scheduler sends 5,000 tips at Telegram's pace). The load average is recorded
as each run starts.

    python benchmarks/run_all.py [--only ask,load,...] [--quick]

--quick runs each with small sizes: a smoke test of the scripts and this table, whose
figures say nothing about the goals. The exit status is 1 when a run gave no result.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Row, judge, markdown_table, missing, parse_results

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Step:
    """One run of one script."""

    name: str  # the script's name without .py: what --only selects
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()  # replaces `args` with --quick
    env: Mapping[str, str] = field(default_factory=dict)
    # A database to create on a throwaway PostgreSQL server, passed as --database-url.
    postgres_database: str | None = None

    @property
    def script(self) -> str:
        return f"benchmarks/{self.name}.py"

    def command(self, quick: bool, database_url: str | None = None) -> list[str]:
        args = list(self.quick if quick else self.args)
        if database_url is not None:
            args += ["--database-url", database_url]
        return [sys.executable, "-u", self.script, *args]

    def title(self, quick: bool) -> str:
        env = " ".join(f"{key}={value}" for key, value in self.env.items())
        args = " ".join(self.quick if quick else self.args)
        database = " --database-url <PostgreSQL>" if self.postgres_database else ""
        return " ".join(part for part in (env, self.script, args) if part) + database


LOAD_CONVERSATION = ("--users", "1000", "--rate", "300")
LOAD_QUICK = ("--users", "30", "--rate", "100")
# Open loop, each user one message: 1,050 updates/s offered for 30 s, about twice the 510-540/s
# one polling process serves that mix on this 2-core machine at its usual speed.
LOAD_OVERLOAD = ("--users", "31500", "--rate", "1050", "--open-loop")
# Few enough updates that their replies (about 12 messages a second) leave the scheduler
# most of Telegram's 30; enough tips due that it is still sending when the run ends.
LOAD_RUSH = ("--users", "100", "--rate", "10", "--modes", "polling")
LOAD_RUSH_QUICK = ("--users", "20", "--rate", "10", "--modes", "polling")
STEPS = [
    Step("ask", quick=("--rounds", "1")),
    Step("delivery_throughput", quick=("--chats", "2000")),
    Step("delivery_fidelity", quick=("--seconds", "2")),
    Step("delivery_planning", quick=("--chats", "20000")),
    Step("broadcast_queue", quick=("--chats", "5000")),
    Step("head_of_line", quick=("--taps", "20")),
    Step("sqlite_driver", quick=("--transactions", "200")),
    Step("chat_cache", quick=("--changes", "20"), postgres_database="magbot_cache"),
    Step(
        "load",
        ("--users", "2000", "--rate", "400", "--modes", "polling"),
        (*LOAD_QUICK, "--modes", "polling"),
        env={"LOAD_SCRIPT": "help"},
    ),
    Step(
        "load",
        (*LOAD_CONVERSATION, "--modes", "polling"),
        (*LOAD_QUICK, "--modes", "polling"),
    ),
    Step(
        "load",
        (*LOAD_CONVERSATION, "--modes", "polling"),
        (*LOAD_QUICK, "--modes", "polling"),
        postgres_database="magbot_load",
    ),
    # Twice what one process serves (item 4 of issue 16): nothing may be lost.
    Step(
        "load",
        (*LOAD_OVERLOAD, "--modes", "polling", "--overload"),
        (*LOAD_QUICK, "--modes", "polling", "--overload", "--open-loop"),
    ),
    # The 8:00 rush on the embedded default: replies while the bot's own scheduler sends
    # the tips due at Telegram's pace (30 messages a second, replies first).
    Step(
        "load",
        (*LOAD_RUSH, "--due", "5000", "--broadcast-rate", "30"),
        (*LOAD_RUSH_QUICK, "--due", "1000", "--broadcast-rate", "30"),
    ),
    Step(
        "load",
        (*LOAD_CONVERSATION, "--modes", "webhook", "--workers", "2"),
        (*LOAD_QUICK, "--modes", "webhook", "--workers", "2"),
        postgres_database="magbot_load",
    ),
]
NAMES = list(dict.fromkeys(step.name for step in STEPS))


@dataclass
class Outcome:
    step: Step
    load_average: float
    seconds: float
    returncode: int
    rows: list[Row]


@contextlib.contextmanager
def _database(step: Step) -> Iterator[str | None]:
    if step.postgres_database is None:
        yield None
        return
    from devtools import pgserver

    with pgserver.running() as server:
        server.psql(f"CREATE DATABASE {step.postgres_database}")
        yield server.url(step.postgres_database)


def run_step(step: Step, quick: bool) -> Outcome:
    """Run one script, streaming its output, and judge its BENCHMARK-RESULT lines."""
    print(f"\n== {step.title(quick)}", flush=True)
    lines: list[str] = []
    load_average = os.getloadavg()[0]
    started = time.perf_counter()
    returncode = 0
    try:
        with _database(step) as database_url:
            # Recorded once the PostgreSQL server (if any) is up: the load the run starts under.
            load_average = os.getloadavg()[0]
            print(f"   (load average {load_average:.2f})", flush=True)
            env = {**os.environ, **step.env}
            with subprocess.Popen(
                step.command(quick, database_url),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            ) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                    lines.append(line)
                returncode = process.wait()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        print(f"   could not run: {error}", flush=True)
        returncode = returncode or 1
    seconds = time.perf_counter() - started
    results = parse_results(lines)
    rows = [row for name, figures in results for row in judge(name, figures)]
    if not rows:
        why = f"no result (exit status {returncode})"
        rows = [missing(step.name, why, f"`{step.title(quick)}`")]
    elif returncode != 0:
        rows.append(missing(step.name, f"exit status {returncode}", f"`{step.title(quick)}`"))
    return Outcome(step, load_average, seconds, returncode, rows)


def summary(outcomes: Sequence[Outcome], quick: bool, started: dt.datetime) -> str:
    machine = f"{os.cpu_count()} CPUs ({platform.machine()}, {platform.system()})"
    loads = [outcome.load_average for outcome in outcomes]
    lines = [
        f"Benchmarks on {started:%Y-%m-%d %H:%M}, {machine}, Python {platform.python_version()}; "
        f"one run each, one after the other; load average at each start "
        f"{min(loads, default=0):.2f}-{max(loads, default=0):.2f}.",
    ]
    if quick:
        lines.append("--quick: small sizes, a smoke test; the figures say nothing about the goals.")
    lines += ["", markdown_table(row for outcome in outcomes for row in outcome.rows), ""]
    lines.append("Runs (load average at start, duration):")
    for outcome in outcomes:
        status = f", exit status {outcome.returncode}" if outcome.returncode else ""
        lines.append(
            f"- `{outcome.step.title(quick)}`: load {outcome.load_average:.2f}, "
            f"{outcome.seconds:.0f} s{status}"
        )
    return "\n".join(lines)


def select(only: str | None) -> list[Step]:
    if not only:
        return list(STEPS)
    wanted = [name.strip().removesuffix(".py") for name in only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(NAMES))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return [step for step in STEPS if step.name in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(NAMES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    args = parser.parse_args(argv)
    steps = select(args.only)
    started = dt.datetime.now()
    outcomes = [run_step(step, args.quick) for step in steps]
    print("\n" + summary(outcomes, args.quick, started), flush=True)
    return 1 if any(row.failed for outcome in outcomes for row in outcome.rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
