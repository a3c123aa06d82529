"""Load test: N simulated users talk to a real `python -m bot` process through the fake Bot API.

Each user runs a short conversation (/start, /settings, a question, /foods, /help, a
free-text question), one message at a time: the next message goes out only after the
bot's reply to the previous one. Messages are offered at a fixed rate across all users
(open loop), so latency is measured at that load instead of growing with a queue the
driver itself builds.

Latency is from the moment an update is offered (queued for getUpdates, or POSTed to the
webhook) to the moment the fake Bot API receives the bot's first reply to it. The bot runs
in its own process; the driver and the fake Bot API share this one. Telegram's send limits
are lifted (BROADCAST_RATE) so that the figures show the bot's own capacity.

Before the measured run, one warm-up chat per bot process goes through the conversation
once, replies awaited: the one-off work of a fresh process (the first chart and the
plotting library it loads, SQLAlchemy compiling each statement once) is then done, and the
CPU and latency figures are those of a process that has been serving a while.

    python benchmarks/load.py [--users 2000] [--rate 400] [--modes polling,webhook]
                              [--database-url postgresql://...] [--workers N]
                              [--overload] [--open-loop] [--due N] [--broadcast-rate R]

`--open-loop` gives each user one message, user n the conversation's step n mod 6, so the
rate offered holds for users / rate seconds however late the replies come: the way to offer
twice what the bot serves (`--overload` then judges that nothing was lost and that the time
inside the bot stayed bounded).

With `--due N`, N daily subscribers are due when the bot starts and its embedded scheduler
delivers to them while the users talk to it: the 8:00 rush, when many tips go out at once.
`--broadcast-rate` sets the shared send budget (Telegram's is 30 messages a second, the
bot's default); without it the budget is lifted.

Targets: at least 300 updates/s handled with p99 reply latency under 200 ms, in both modes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from benchmarks.deliverykit import asyncpg_dsn, chat_rows, load_postgres, load_sqlite
from benchmarks.report import emit
from devtools.fakebotapi import FakeBotAPI
from storage import Database, migrate
from storage.db import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:LOADtestLOADtestLOADtest-abcdefgh"
SECRET = "load-test-secret"
HOOK_PATH = "/telegram"
TARGET_RATE = 300.0
TARGET_P99_MS = 200.0
REPLY_TIMEOUT = 15.0
# Warm-up chats, apart from the measured users' 10,000,000 and up.
WARM_UP_CHAT = 9_000_000
SCRIPT = [
    "/start",
    "/settings",
    "/ask what does magnesium do for muscles?",
    "/foods",
    "/help",
    "why do I get leg cramps at night",
]
# To see what one step costs, LOAD_SCRIPT replaces the conversation: "help" is /help six
# times (the framework alone, no database work); any other value is messages split at "|".
if os.environ.get("LOAD_SCRIPT") == "help":
    SCRIPT = ["/help"] * 6
elif os.environ.get("LOAD_SCRIPT"):
    SCRIPT = os.environ["LOAD_SCRIPT"].split("|")
REPLY_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})


class TimedFakeBotAPI(FakeBotAPI):
    """The fake Bot API, telling the driver the moment each reply reaches it, and the
    moment polling fetched each update (until then it waits at "Telegram", not the bot)."""

    def __init__(self, on_reply: Any, on_fetch: Any, **options: Any) -> None:
        super().__init__(**options)
        self._on_reply = on_reply
        self._on_fetch = on_fetch
        # When each scheduled delivery (a message to a subscriber, chat ids 1..N) arrived.
        self.deliveries: list[float] = []

    def _record(self, method: str, params: Any, files: Any, status: int, body: Any) -> None:
        super()._record(method, params, files, status, body)
        if method in REPLY_METHODS:
            chat = params.get("chat_id")
            if isinstance(chat, int) and 0 < chat < WARM_UP_CHAT:
                self.deliveries.append(time.perf_counter())
                return
            self._on_reply(chat, status)
        elif method == "getUpdates" and status == 200:
            for update in body.get("result") or ():
                self._on_fetch(update.get("message", {}).get("chat", {}).get("id"))


@dataclass
class User:
    chat_id: int
    step: int = 0
    # The step after the user's last message: the whole conversation, or one step (open loop).
    end: int = len(SCRIPT)
    sent_at: float | None = None
    # When the bot took the update: fetched by getUpdates, or POSTed to the webhook.
    taken_at: float | None = None


@dataclass
class Run:
    mode: str
    latencies: list[float] = field(default_factory=list)
    # From the moment the bot took each update to its reply, per step: what the bot's own
    # backlog adds, without the wait at Telegram that overload adds in front of it (polling).
    by_step_in_bot: dict[int, list[float]] = field(default_factory=dict)
    by_step: dict[int, list[float]] = field(default_factory=dict)
    errors: int = 0
    api_errors: int = 0
    offered: int = 0
    first: float = 0.0
    last: float = 0.0
    # When the last update was offered.
    offered_until: float = 0.0
    # CPU seconds the bot process(es) used, when the platform tells (Linux /proc).
    bot_cpu: float | None = None
    # Webhook workers: each one's CPU seconds and the updates it answered.
    worker_cpu: list[float] = field(default_factory=list)
    worker_handled: list[int] = field(default_factory=list)
    # CPU seconds of the PostgreSQL server's processes on this machine, when it is one.
    database_cpu: float | None = None
    # CPU seconds this process (driver and fake Bot API) used meanwhile.
    driver_cpu: float = 0.0
    # Subscribers due at the start, and the scheduled messages sent to them while the
    # measured updates were offered and answered.
    due: int = 0
    deliveries: int = 0
    # The scheduler was still sending when the last reply came: the whole run was a rush.
    sent_throughout: bool = False

    def delivery_rate(self) -> float:
        return self.deliveries / (self.last - self.first) if self.last > self.first else 0.0

    def p99_in_bot_ms(self) -> float:
        return _percentile([v * 1000 for vs in self.by_step_in_bot.values() for v in vs], 0.99)

    @property
    def handled(self) -> int:
        return len(self.latencies)

    def throughput(self) -> float:
        return self.handled / (self.last - self.first) if self.last > self.first else 0.0

    def offered_rate(self) -> float:
        span = self.offered_until - self.first
        return (self.offered - 1) / span if span > 0 else 0.0

    def kept_up(self) -> bool:
        """Every update offered was answered: the bot sustained the offered rate.

        The handled rate alone cannot show it: the last replies come a little after the
        last offer, so it stays just under the offered rate however fast the bot is.
        """
        return self.handled == self.offered and not self.errors and not self.api_errors


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if os.environ.get("LOAD_DEBUG"):
        print("utime", fields[11], "stime", fields[12])
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> float | None:
    """User + system CPU time of every PostgreSQL server process on this machine (Linux).

    Backends that exit during a run take their time with them; the bot's pool keeps its
    connections for the whole run, so its backends are all counted.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1] == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _per_update_ms(seconds: float | None, updates: int) -> float | None:
    return round(seconds * 1000 / updates, 3) if seconds is not None and updates else None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


async def _start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    profile = ["-m", "cProfile", "-o", env["LOAD_PROFILE"]] if env.get("LOAD_PROFILE") else []
    return await asyncio.create_subprocess_exec(
        sys.executable, *profile, "-m", "bot", cwd=str(ROOT), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _stop_bot(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return stderr.decode(errors="replace")


def _message_update(chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Load"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Load", "language_code": "en"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


async def _seed_subscribers(database_url: str, count: int) -> None:
    """`count` daily subscribers, all due now, in a freshly migrated database."""
    url = normalise_database_url(database_url)
    db = Database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.close()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    if db.is_sqlite and db.url.database:
        load_sqlite(Path(db.url.database), chat_rows(count, now))
    else:
        await load_postgres(asyncpg_dsn(url), chat_rows(count, now))


async def run_mode(
    mode: str,
    users: int,
    rate: float,
    database_url: str | None,
    workers: int = 1,
    *,
    due: int = 0,
    broadcast_rate: float | None = None,
    open_loop: bool = False,
) -> Run:
    run = Run(mode if mode == "polling" or workers == 1 else f"webhook x{workers}", due=due)
    people = simulated_users(users, open_loop=open_loop)
    by_chat = {u.chat_id: u for u in people}
    idle: deque[User] = deque(people)
    done = asyncio.Event()
    finished = 0
    total = sum(user.end - user.step for user in people)
    # Open loop, the last offers wait at Telegram behind everything offered faster than the
    # bot serves; that wait is the overload itself, not a lost update.
    reply_timeout = REPLY_TIMEOUT + (3 * users / rate if open_loop else 0.0)

    def on_reply(chat: Any, status: int) -> None:
        nonlocal finished
        on_warm_reply(chat)
        if status != 200:
            run.api_errors += 1
            return
        try:
            user = by_chat.get(int(chat))
        except (TypeError, ValueError):
            return
        if user is None or user.sent_at is None:
            return  # a second part of a reply already counted
        now = time.perf_counter()
        if run.worker_handled:
            run.worker_handled[user.chat_id % len(run.worker_handled)] += 1
        run.latencies.append(now - user.sent_at)
        run.by_step_in_bot.setdefault(user.step, []).append(now - (user.taken_at or user.sent_at))
        run.by_step.setdefault(user.step, []).append(now - user.sent_at)
        run.last = now
        user.sent_at = None
        user.step += 1
        finished += 1
        if user.step < user.end:
            idle.append(user)
        if finished + run.errors >= total:
            done.set()

    warm_replies: dict[int, asyncio.Queue[None]] = {}

    def on_warm_reply(chat: Any) -> None:
        queue = warm_replies.get(chat) if isinstance(chat, int) else None
        if queue is not None:
            queue.put_nowait(None)

    def on_fetch(chat: Any) -> None:
        user = by_chat.get(chat) if isinstance(chat, int) else None
        if user is not None and user.sent_at is not None:
            user.taken_at = time.perf_counter()

    api = TimedFakeBotAPI(on_reply, on_fetch, record=False, strict_html=True)
    await api.start()
    workdir = Path(tempfile.mkdtemp(prefix="magbot-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE_"))}
    database = database_url or f"sqlite:///{workdir / 'load.db'}"
    if due:
        await _seed_subscribers(database, due)
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        DATABASE_URL=database,
        SCHEDULER_ENABLED="true" if due else "false",
        BROADCAST_RATE=str(broadcast_rate or 10_000),
        FLOOD_LIMIT="10000",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    # Polling allows one process; webhook workers share the load like behind a proxy that
    # routes each chat to one worker.
    ports = [_free_port() for _ in range(workers if mode == "webhook" else 1)]
    processes = []
    cpu_at_start: list[float | None] = [None]
    database_cpu_at_start: float | None = None
    for port in ports:
        if mode == "webhook":
            env.update(
                WEBHOOK_URL=f"https://load.example.org{HOOK_PATH}",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                WEBHOOK_SECRET=SECRET,
                # Each worker's /healthz and /metrics listener needs a port of its own.
                METRICS_PORT=str(_free_port()),
            )
        processes.append(await _start_bot(dict(env)))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
    try:
        ready = "setWebhook" if mode == "webhook" else "getUpdates"
        while api.stats().by_method.get(ready, 0) < len(processes):
            for process in processes:
                if process.returncode is not None:
                    raise RuntimeError(await _stop_bot(process))
            await asyncio.sleep(0.05)
        for port in ports if mode == "webhook" else []:
            await _wait_for_port(port)
        message_ids = itertools.count(1)
        update_ids = itertools.count(1)
        pending: set[asyncio.Task[None]] = set()

        async def post(update: dict[str, Any], user: User) -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            url = f"http://127.0.0.1:{ports[user.chat_id % len(ports)]}{HOOK_PATH}"
            try:
                async with http.post(url, json=update, headers=headers) as response:
                    if response.status != 200:
                        _fail(user)
            except aiohttp.ClientError:
                _fail(user)

        def _fail(user: User) -> None:
            run.errors += 1
            user.sent_at = None

        def offer(user: User, text: str) -> None:
            update = _message_update(user.chat_id, next(message_ids), text)
            if mode == "webhook":
                update["update_id"] = next(update_ids)
                task = asyncio.create_task(post(update, user))
                pending.add(task)
                task.add_done_callback(pending.discard)
            else:
                api.inject_update(update)

        # One warm-up chat per process (webhook chats go to worker chat_id % workers).
        warm_users = [User(chat_id=WARM_UP_CHAT + n) for n in range(len(processes))]
        warm_replies.update((user.chat_id, asyncio.Queue()) for user in warm_users)
        for text in SCRIPT:
            for user in warm_users:
                offer(user, text)
            for user in warm_users:
                await asyncio.wait_for(warm_replies[user.chat_id].get(), REPLY_TIMEOUT)
        await _quiet(warm_replies)
        warm_replies.clear()
        await asyncio.gather(*pending)
        if run.errors:
            raise RuntimeError("the warm-up conversation failed")
        cpu_at_start = [_cpu_seconds(process.pid) for process in processes]
        database_cpu_at_start = _postgres_cpu() if database_url else None
        if mode == "webhook":
            run.worker_handled = [0] * len(processes)
        interval = 1.0 / rate
        next_at = time.perf_counter()
        run.first = next_at
        driver_cpu_at_start = time.process_time()
        checked = next_at
        while not done.is_set():
            now = time.perf_counter()
            if now - checked > 0.5:
                checked = now
                _expire(people, now, run, idle, total, done, reply_timeout)
            if now < next_at:
                await asyncio.sleep(next_at - now)
                continue
            next_at += interval
            if not idle:
                continue
            user = idle.popleft()
            user.sent_at = time.perf_counter()
            user.taken_at = user.sent_at if mode == "webhook" else None
            run.offered += 1
            run.offered_until = user.sent_at
            offer(user, SCRIPT[user.step])
        await asyncio.gather(*pending)
        run.driver_cpu = time.process_time() - driver_cpu_at_start
        run.deliveries = sum(run.first <= at <= run.last for at in api.deliveries)
        run.sent_throughout = bool(api.deliveries) and api.deliveries[-1] >= run.last - 1.0
    finally:
        cpu = [_cpu_seconds(process.pid) for process in processes]
        if None not in cpu and None not in cpu_at_start:
            run.bot_cpu = sum(c or 0.0 for c in cpu) - sum(c or 0.0 for c in cpu_at_start)
            if mode == "webhook":
                spans = zip(cpu, cpu_at_start, strict=True)
                run.worker_cpu = [(end or 0.0) - (start or 0.0) for end, start in spans]
        database_cpu = _postgres_cpu() if database_url else None
        if database_cpu is not None and database_cpu_at_start is not None:
            run.database_cpu = database_cpu - database_cpu_at_start
        await http.close()
        logs = [await _stop_bot(process) for process in processes]
        if os.environ.get("LOAD_DEBUG"):
            print(dict(api.stats().by_method), dict(api.stats().by_status))
        await api.stop()
    for log in logs:
        if "Traceback" in log:
            print(log[-3000:], file=sys.stderr)
    return run


async def _quiet(replies: dict[int, asyncio.Queue[None]], settle: float = 0.5) -> None:
    """Until no further reply (a chart after its caption) has reached a warm-up chat for
    `settle` seconds."""
    while True:
        await asyncio.sleep(settle)
        if all(queue.empty() for queue in replies.values()):
            return
        for queue in replies.values():
            while not queue.empty():
                queue.get_nowait()


def simulated_users(count: int, *, open_loop: bool = False) -> list[User]:
    """The run's users: each goes through the whole conversation, one message at a time,
    or, open loop, sends one message (user n the conversation's step n mod its length), so
    that the offered rate holds however late the replies come and every step is as common
    as in the full conversation."""
    users = [User(chat_id=10_000_000 + n) for n in range(count)]
    if open_loop:
        for n, user in enumerate(users):
            user.step = n % len(SCRIPT)
            user.end = user.step + 1
    return users


def _expire(
    people: list[User],
    now: float,
    run: Run,
    idle: deque[User],
    total: int,
    done: asyncio.Event,
    timeout: float,
) -> None:
    """A message without a reply after `timeout` seconds is an error; the user moves on."""
    for user in people:
        if user.sent_at is not None and now - user.sent_at > timeout:
            user.sent_at = None
            run.errors += 1
            user.step += 1
            if user.step < user.end:
                idle.append(user)
    if run.handled + run.errors >= total:
        done.set()


async def _wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the webhook server did not start")


def _table(runs: list[Run], users: int, rate: float, *, open_loop: bool = False) -> str:
    each = "one message each (open loop)" if open_loop else f"x {len(SCRIPT)} messages"
    lines = [
        f"MagBot load test: {users} users {each}, offered at {rate:.0f}/s "
        f"(target >= {TARGET_RATE:.0f} updates/s, p99 < {TARGET_P99_MS:.0f} ms)",
        "",
        "| mode | updates handled | updates/s | p50 ms | p99 ms | max ms | p99 in bot ms "
        "| errors | bot CPU ms/update | driver CPU ms/update | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        ms = [v * 1000 for v in run.latencies]
        p99 = _percentile(ms, 0.99)
        cpu_per_update = (
            f"{run.bot_cpu * 1000 / run.handled:.1f}" if run.bot_cpu and run.handled else "n/a"
        )
        driver_per_update = f"{run.driver_cpu * 1000 / run.handled:.1f}" if run.handled else "n/a"
        met = round(run.offered_rate(), 1) >= TARGET_RATE and run.kept_up() and p99 < TARGET_P99_MS
        lines.append(
            f"| {run.mode} | {run.handled} | {run.throughput():.0f} | "
            f"{statistics.median(ms) if ms else 0:.1f} | {p99:.1f} | {max(ms, default=0):.1f} | "
            f"{run.p99_in_bot_ms():.1f} | "
            f"{run.errors + run.api_errors} | {cpu_per_update} | {driver_per_update} | "
            f"{'n/a (rush)' if run.due else 'met' if met else 'MISSED'} |"
        )
    for run in runs:
        notes = []
        if run.worker_cpu:
            each = ", ".join(
                f"{_per_update_ms(cpu, handled) or 0:.1f}"
                for cpu, handled in zip(run.worker_cpu, run.worker_handled, strict=True)
            )
            notes.append(f"each worker's CPU per update it answered: {each} ms")
        if run.database_cpu is not None and run.handled:
            notes.append(
                f"PostgreSQL's CPU per update: {run.database_cpu * 1000 / run.handled:.2f} ms"
            )
        if run.due:
            notes.append(
                f"{run.deliveries} scheduled messages to the {run.due} subscribers due at the "
                f"start were sent during the run ({run.delivery_rate():.0f}/s)"
                + ("" if run.sent_throughout else "; the last before the run ended")
            )
        if notes:
            lines.append(f"{run.mode}: {'; '.join(notes)}")
    return "\n".join(lines)


def _figures(
    runs: list[Run],
    users: int,
    rate: float,
    database_url: str | None,
    broadcast_rate: float | None = None,
) -> dict[str, Any]:
    """The key figures of each run, for run_all.py (benchmarks/report.py)."""
    script = os.environ.get("LOAD_SCRIPT")
    results = []
    for run in runs:
        ms = [v * 1000 for v in run.latencies]
        results.append(
            {
                "mode": run.mode,
                "offered": run.offered,
                "handled": run.handled,
                "updates_per_s": round(run.throughput(), 1),
                "offered_per_s": round(run.offered_rate(), 1),
                "kept_up": run.kept_up(),
                "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
                "p99_ms": round(_percentile(ms, 0.99), 2),
                "max_ms": round(max(ms, default=0.0), 2),
                "p99_in_bot_ms": round(run.p99_in_bot_ms(), 2),
                "errors": run.errors + run.api_errors,
                "bot_cpu_ms_per_update": (
                    round(run.bot_cpu * 1000 / run.handled, 3)
                    if run.bot_cpu and run.handled
                    else None
                ),
                "driver_cpu_ms_per_update": (
                    round(run.driver_cpu * 1000 / run.handled, 3) if run.handled else None
                ),
                # Each webhook worker's CPU per update it answered.
                "worker_cpu_ms_per_update": [
                    _per_update_ms(cpu, handled)
                    for cpu, handled in zip(run.worker_cpu, run.worker_handled, strict=True)
                ],
                "database_cpu_ms_per_update": _per_update_ms(run.database_cpu, run.handled),
                "due": run.due,
                "deliveries": run.deliveries,
                "deliveries_per_s": round(run.delivery_rate(), 1),
                "sent_throughout": run.sent_throughout,
            }
        )
    return {
        "users": users,
        "rate": rate,
        "script": "conversation" if not script else "help" if script == "help" else script,
        "database": "postgresql" if (database_url or "").startswith("postgres") else "sqlite",
        # The shared send budget in messages a second; None: lifted.
        "broadcast_rate": broadcast_rate,
        "runs": results,
    }


def _max_pending() -> int:
    """The polling bot's backlog bound (MAX_PENDING_UPDATES), as the bot process reads it."""
    from bot.config import POLLING_PENDING

    value = os.environ.get("MAX_PENDING_UPDATES")
    return int(value) if value else POLLING_PENDING


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=400.0, help="updates offered per second")
    parser.add_argument("--modes", default="polling,webhook")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=1, help="webhook worker processes")
    parser.add_argument(
        "--overload",
        action="store_true",
        help="judge the run as past capacity: nothing lost, time in the bot bounded",
    )
    parser.add_argument(
        "--open-loop",
        action="store_true",
        help="each user sends one message (the steps in turn), so the rate offered holds "
        "for users / rate seconds whatever the replies' latency",
    )
    parser.add_argument(
        "--due",
        type=int,
        default=0,
        help="subscribers due at the start, delivered by the embedded scheduler during the run",
    )
    parser.add_argument(
        "--broadcast-rate",
        type=float,
        default=None,
        help="the shared send budget in messages a second (default: lifted)",
    )
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",")]
    if args.due and args.database_url and len(modes) > 1:
        # Each run seeds the subscribers afresh; a second run would find the first's.
        parser.error("--due with --database-url runs one mode at a time")
    runs = [
        asyncio.run(
            run_mode(
                mode,
                args.users,
                args.rate,
                args.database_url,
                args.workers,
                due=args.due,
                broadcast_rate=args.broadcast_rate,
                open_loop=args.open_loop,
            )
        )
        for mode in modes
    ]
    print(_table(runs, args.users, args.rate, open_loop=args.open_loop))
    if os.environ.get("LOAD_DEBUG"):
        for run in runs:
            for step, values in sorted(run.by_step.items()):
                in_bot = [v * 1000 for v in run.by_step_in_bot[step]]
                median, p99 = statistics.median(in_bot), _percentile(in_bot, 0.99)
                print(
                    run.mode, SCRIPT[step], f"{statistics.median(values) * 1000:.1f} ms",
                    f"in the bot p50 {median:.1f} p99 {p99:.1f}",
                )  # fmt: skip
    figures = _figures(runs, args.users, args.rate, args.database_url, args.broadcast_rate)
    if args.overload:
        figures.update(overload=True, max_pending=_max_pending())
    if args.open_loop:
        figures.update(open_loop=True)
    emit("load", figures)


if __name__ == "__main__":
    main()
