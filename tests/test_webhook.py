"""Webhook mode: the secret token, decoding, body limits, back-pressure, the operations
listener (/healthz and /metrics), and `python -m bot`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import event, func, select, update
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.config import BotSettings
from bot.pipeline import Stage
from bot.server.health import CACHE_SECONDS, Health
from bot.server.webhook import SECRET_HEADER
from bot.services import services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from runtime.config import describe_error
from scheduler.embedded import EmbeddedDelivery
from scheduler.service import STALE_AFTER, DeliveryService
from storage import Database
from storage.models import Chat
from tests.harness import TOKEN
from tests.scheduler.helpers import add_chat, running_engine
from tests.webhook_helpers import PATH, SECRET, WebhookBot, free_port, webhook_bot

ROOT = Path(__file__).resolve().parent.parent


def _settings(**values: Any) -> BotSettings:
    return BotSettings(_env_file=None, bot_token=TOKEN, **values)


def _error(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        _settings(**values)
    return describe_error(caught.value)


# ---------------------------------------------------------------- settings


GOOD_SECRET = "s3cret_-X" * 2


def test_webhook_settings_defaults_and_path() -> None:
    polling = _settings()
    assert polling.webhook_url is None and polling.webhook_secret is None
    assert (polling.webhook_listen, polling.webhook_port) == ("0.0.0.0", 8080)
    hook = _settings(webhook_url="https://bot.example.org/tg/hook/", webhook_secret=GOOD_SECRET)
    assert hook.webhook_path == "/tg/hook"
    root = _settings(webhook_url="https://bot.example.org", webhook_secret=GOOD_SECRET)
    assert root.webhook_path == "/"
    assert _settings(webhook_url="  ", webhook_secret="").webhook_url is None


def test_operations_listener_and_backlog_settings() -> None:
    defaults = _settings()
    # /healthz and /metrics are not public unless an operator opens them up.
    assert (defaults.metrics_listen, defaults.metrics_port) == ("127.0.0.1", 8081)
    # Polling waits at Telegram for free; a webhook would have to refuse (503) instead.
    assert defaults.pending_limit == 300 and defaults.max_pending_per_chat == 10
    hooked = _settings(webhook_url="https://bot.example.org/hook", webhook_secret="s" * 16)
    assert hooked.pending_limit == 1000
    assert _settings(max_pending_updates="50", webhook_url="").pending_limit == 50
    assert defaults.flood_tap_limit == 60
    assert defaults.question_retention == dt.timedelta(days=90)
    opened = _settings(metrics_listen=" 0.0.0.0 ", metrics_port="9100", question_retention="30d")
    assert (opened.metrics_listen, opened.metrics_port) == ("0.0.0.0", 9100)
    assert opened.question_retention == dt.timedelta(days=30)
    assert _settings(question_retention="0").question_retention == dt.timedelta(0)


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"webhook_url": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is invalid: is required"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "has space"}, "16-256"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "x" * 257}, "16-256"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "x"}, "too short"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "Ab3_" * 3}, "16"),
        ({"webhook_url": "ftp://bot.example.org/h", "webhook_secret": "x" * 16}, "WEBHOOK_URL"),
        ({"webhook_url": "https://bot.example.org/metrics", "webhook_secret": "x" * 16},
         "/metrics"),
        ({"webhook_port": 0}, "WEBHOOK_PORT"),
        ({"metrics_port": 0}, "METRICS_PORT"),
        ({"webhook_port": 9000, "metrics_port": 9000}, "METRICS_PORT is invalid: must differ"),
        ({"webhook_port": 8081}, "METRICS_PORT is invalid: must differ"),
        ({"metrics_listen": "local host"}, "METRICS_LISTEN"),
        ({"max_pending_updates": 0}, "MAX_PENDING_UPDATES"),
        ({"max_pending_per_chat": 0}, "MAX_PENDING_PER_CHAT"),
        ({"flood_tap_limit": 0}, "FLOOD_TAP_LIMIT"),
        ({"question_retention": "-1d"}, "QUESTION_RETENTION"),
        ({"question_retention": "soon"}, "QUESTION_RETENTION"),
        ({"content_dir": "/no/such/dir"}, "CONTENT_DIR"),
        ({"flood_limit": 0}, "FLOOD_LIMIT"),
        ({"poll_interval": -1}, "POLL_INTERVAL"),
        ({"poll_interval": "soon"}, "POLL_INTERVAL"),
        ({"poll_interval": 60}, "POLL_INTERVAL"),
    ],
)  # fmt: skip
def test_bad_webhook_settings_name_the_setting(values: dict[str, Any], needle: str) -> None:
    message = _error(**values)
    assert needle in message
    secret = values.get("webhook_secret")
    if secret and len(secret) > 1:
        assert secret not in message


# ---------------------------------------------------------------- the server


@pytest.fixture
async def hook(fake_api: FakeBotAPI, database_url: str, library: Library) -> Any:
    async with webhook_bot(fake_api, database_url, library) as bot:
        yield bot


def _update(api: FakeBotAPI, chat_id: int, text: str) -> dict[str, Any]:
    """An update exactly as Telegram would post it (the fake builds it, polling is off)."""
    update_id = api.send_text(chat_id, text)
    return next(u for u in api.pending_updates() if u["update_id"] == update_id)


async def _count_chats(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Chat)) or 0)


def _sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_update_with_the_secret_is_handled(hook: WebhookBot) -> None:
    api = hook.harness.api
    update = _update(api, 700, "/start")
    response = await hook.post(update)
    assert response.status_code == 200
    await hook.harness.processed(update["update_id"])
    [welcome] = await api.wait_for_messages(700, 1)
    assert welcome.text is not None and "subscribed" in welcome.text
    assert await _count_chats(hook.harness.db) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_update_without_the_right_secret_gets_403_and_is_not_processed(
    hook: WebhookBot, secret: str | None
) -> None:
    api = hook.harness.api
    forged = _update(api, 701, "/start")
    response = await hook.post(forged, secret=secret)
    assert response.status_code == 403
    # A genuine update after it is handled; the forged one never was, so it wrote nothing.
    genuine = _update(api, 702, "/help")
    assert (await hook.post(genuine)).status_code == 200
    await hook.harness.processed(genuine["update_id"])
    assert not hook.harness.tracker.finished(forged["update_id"])
    assert api.messages(701) == []
    assert await _count_chats(hook.harness.db) == 0


async def test_malformed_bodies_are_refused_or_acknowledged_without_effect(
    hook: WebhookBot,
) -> None:
    headers = {SECRET_HEADER: SECRET, "content-type": "application/json"}
    url = f"{hook.url}{PATH}"
    not_json = await hook.client.post(url, content=b"{nope", headers=headers)
    assert not_json.status_code == 400
    no_id = await hook.post({"message": {"text": "/start"}})
    assert no_id.status_code == 400
    # A broken update Telegram did send: acknowledged (or Telegram would resend it forever).
    broken = {"update_id": 9001, "message": {"message_id": 1, "text": "/start", "chat": 5}}
    assert (await hook.post(broken)).status_code == 200
    await hook.harness.processed(9001)
    assert await _count_chats(hook.harness.db) == 0
    metrics = (await hook.client.get(f"{hook.ops_url}/metrics")).text
    assert _sample(metrics, "magbot_updates_malformed_total") == 1


async def _raw_post(hook: WebhookBot, head: bytes, body: bytes = b"") -> bytes:
    """Send a hand-made request and return the status line, without reading the rest."""
    reader, writer = await asyncio.open_connection("127.0.0.1", hook.server.port)
    try:
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        # Only a guard against hanging forever: the server must answer without the body.
        async with asyncio.timeout(30):
            return await reader.readline()
    finally:
        writer.close()


def _head(length: str) -> bytes:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{SECRET_HEADER}: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
    ).encode()


async def test_a_body_declared_too_large_is_refused_before_it_is_sent(hook: WebhookBot) -> None:
    # 50 MB announced, not one byte of it sent: the answer comes without reading it.
    status = await _raw_post(hook, _head(str(50_000_000)))
    assert status.startswith(b"HTTP/1.1 413")
    assert (await _raw_post(hook, _head("12abc"), b"{}")).startswith(b"HTTP/1.1 400")


async def test_a_streamed_body_is_read_no_further_than_the_limit(hook: WebhookBot) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):  # 4 MiB in all, without a Content-Length (chunked)
            yield b" " * 65536

    headers = {SECRET_HEADER: SECRET, "content-type": "application/json"}
    response = await hook.client.post(f"{hook.url}{PATH}", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert await _count_chats(hook.harness.db) == 0


async def test_deeply_nested_json_gets_400(hook: WebhookBot) -> None:
    headers = {SECRET_HEADER: SECRET, "content-type": "application/json"}
    deep = b"[" * 200_000 + b"]" * 200_000
    response = await hook.client.post(f"{hook.url}{PATH}", content=deep, headers=headers)
    assert response.status_code == 400
    nested_update = b'{"update_id": 5, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await hook.client.post(f"{hook.url}{PATH}", content=nested_update, headers=headers)
    assert response.status_code == 400
    # The server is fine afterwards.
    update = _update(hook.harness.api, 706, "/help")
    assert (await hook.post(update)).status_code == 200
    await hook.harness.processed(update["update_id"])


@contextlib.contextmanager
def _holding(hook: WebhookBot) -> Iterator[asyncio.Event]:
    """Every handler waits for the yielded event (set at the latest when the block ends):
    a stalled bot, without sleeping."""
    release = asyncio.Event()

    async def wait(_incoming: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await release.wait()

    hook.harness.application.add_handler(TypeHandler(Update, wait), group=Stage.FLOOD + 1)
    try:
        yield release
    finally:
        release.set()


async def test_past_max_pending_updates_the_webhook_answers_503_and_loses_nothing(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> None:
    async with webhook_bot(fake_api, database_url, library, max_pending_updates=5) as hook:
        updates = [_update(fake_api, 750 + n, "/help") for n in range(8)]
        with _holding(hook):
            codes = [(await hook.post(update)).status_code for update in updates]
            # Five accepted and held; the rest refused, so Telegram keeps and retries them.
            assert codes == [200] * 5 + [503] * 3
            metrics = (await hook.client.get(f"{hook.ops_url}/metrics")).text
            assert _sample(metrics, "magbot_webhook_busy_total") == 3
            assert _sample(metrics, "magbot_updates_pending") == 5
        for update in updates[:5]:
            await hook.harness.processed(update["update_id"])
        # Room again: Telegram's retry of a refused update is taken.
        assert (await hook.post(updates[5])).status_code == 200
        await hook.harness.processed(updates[5]["update_id"])
        for n in range(6):
            assert len(fake_api.messages(750 + n)) == 1
        assert fake_api.messages(756) == [] and fake_api.messages(757) == []


async def test_healthz_reports_database_and_registered_checks(hook: WebhookBot) -> None:
    response = await hook.client.get(f"{hook.ops_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}

    stalled = asyncio.Event()

    async def scheduler_alive() -> bool:
        return stalled.is_set()

    hook.health.add("scheduler", scheduler_alive)
    failing = await hook.client.get(f"{hook.ops_url}/healthz")
    assert failing.status_code == 503
    assert failing.json()["checks"] == {"database": "ok", "scheduler": "failing"}
    stalled.set()
    # The report is reused for a while; once it is stale, the recovery shows.
    assert (await hook.client.get(f"{hook.ops_url}/healthz")).status_code == 503
    hook.clock.now += CACHE_SECONDS
    assert (await hook.client.get(f"{hook.ops_url}/healthz")).status_code == 200


async def test_healthz_costs_at_most_one_database_query_per_five_seconds(hook: WebhookBot) -> None:
    queries: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        queries.append(statement)

    engine = hook.harness.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        url = f"{hook.ops_url}/healthz"
        first = await asyncio.gather(*(hook.client.get(url) for _ in range(20)))
        hook.clock.now += CACHE_SECONDS - 0.1
        first += await asyncio.gather(*(hook.client.get(url) for _ in range(5)))
        assert {r.status_code for r in first} == {200}
        assert queries == ["SELECT 1"]
        hook.clock.now += 0.1
        later = await asyncio.gather(*(hook.client.get(url) for _ in range(20)))
        assert {r.status_code for r in later} == {200}
        assert queries == ["SELECT 1", "SELECT 1"]
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_healthz_and_metrics_are_only_on_the_operations_listener(hook: WebhookBot) -> None:
    for path in ("/healthz", "/metrics"):
        assert (await hook.client.get(f"{hook.url}{path}")).status_code == 404, path
        assert (await hook.client.get(f"{hook.ops_url}{path}")).status_code == 200, path
    # And the operations listener takes no updates.
    update = _update(hook.harness.api, 705, "/start")
    headers = {SECRET_HEADER: SECRET}
    assert (
        await hook.client.post(f"{hook.ops_url}{PATH}", json=update, headers=headers)
    ).status_code == 404


async def test_healthz_fails_when_the_database_is_unreachable() -> None:
    unreachable = Database(f"postgresql+asyncpg://magbot@127.0.0.1:{free_port()}/magbot")
    try:
        healthy, report = await Health(unreachable).report()
    finally:
        await unreachable.close()
    assert not healthy and report == {"database": "failing"}


async def test_metrics_count_updates_replies_and_chats(hook: WebhookBot) -> None:
    api = hook.harness.api
    for chat_id, text in [(710, "/start"), (711, "/start"), (711, "/help")]:
        update = _update(api, chat_id, text)
        assert (await hook.post(update)).status_code == 200
        await hook.harness.processed(update["update_id"])
    response = await hook.client.get(f"{hook.ops_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _sample(text, "magbot_updates_total", type="message") == 3
    assert _sample(text, "magbot_replies_total", method="sendMessage") == 3
    assert _sample(text, "magbot_chats", status="active") == 2
    assert _sample(text, "magbot_update_handling_seconds_count") == 3
    for name in [
        "magbot_telegram_429_total",
        "magbot_blocked_chats_total",
        "magbot_deliveries_total",
        "magbot_delivery_lag_seconds_count",
        "magbot_answer_confidence_count",
        "magbot_handler_errors_total",
    ]:
        assert name.removesuffix("_total").removesuffix("_count") in text, name


async def test_metrics_count_429_and_blocked_answers(hook: WebhookBot) -> None:
    api = hook.harness.api
    api.block(720)
    update = _update(api, 720, "/help")
    await hook.post(update)
    await hook.harness.processed(update["update_id"])
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=721)
    update = _update(api, 721, "/help")
    await hook.post(update)
    await hook.harness.processed(update["update_id"])
    text = (await hook.client.get(f"{hook.ops_url}/metrics")).text
    assert _sample(text, "magbot_blocked_chats_total") == 1
    assert _sample(text, "magbot_telegram_429_total") == 1
    # The 429 was retried and the reply went out; the blocked chat got nothing at all.
    assert len(api.messages(721)) == 1 and api.messages(720) == []


# ---------------------------------------------------------------- python -m bot


def _process_env(fake_api: FakeBotAPI, database_url: str, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake_api.url,
        DATABASE_URL=database_url,
        SCHEDULER_ENABLED="false",
        WEBHOOK_URL="https://magbot.example.org/telegram/hook",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(free_port()),
        METRICS_PORT=str(free_port()),
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    env.update(values)
    return env


async def _start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.process
async def test_bot_process_registers_and_serves_its_webhook(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    env = _process_env(fake_api, database_url)
    public = env["WEBHOOK_URL"]
    process = await _start_bot(env, tmp_path)
    try:
        [registration] = await fake_api.wait_for_call("setWebhook", timeout=60)
        assert registration.params["url"] == public
        assert registration.params["secret_token"] == SECRET
        assert fake_api.webhook_url == public
        base = f"http://127.0.0.1:{env['WEBHOOK_PORT']}"
        ops = f"http://127.0.0.1:{env['METRICS_PORT']}"
        async with httpx.AsyncClient(timeout=15) as client:
            assert (await client.get(f"{ops}/healthz")).status_code == 200
            assert (await client.get(f"{ops}/metrics")).status_code == 200
            assert (await client.get(f"{base}/metrics")).status_code == 404
            update = _update(fake_api, 730, "/start")
            response = await client.post(
                f"{base}{PATH}", json=update, headers={SECRET_HEADER: SECRET}
            )
            assert response.status_code == 200
            [welcome] = await fake_api.wait_for_messages(730, 1, timeout=30)
            assert welcome.text is not None and "subscribed" in welcome.text
            forged = _update(fake_api, 731, "/start")
            assert (await client.post(f"{base}{PATH}", json=forged)).status_code == 403
        assert fake_api.calls_for("getUpdates") == []
        # The Docker health probe finds /healthz on the operations listener.
        probe = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.server.probe", cwd=tmp_path, env=env
        )
        assert await asyncio.wait_for(probe.wait(), timeout=60) == 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log and SECRET not in log
    assert fake_api.messages(731) == []


@pytest.mark.process
async def test_sigterm_finishes_every_accepted_update_before_exit(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    env = _process_env(fake_api, database_url)
    process = await _start_bot(env, tmp_path)
    chats = list(range(760, 766))
    try:
        await fake_api.wait_for_call("setWebhook", timeout=60)
        # Replies are slow, so the updates are still being handled when SIGTERM arrives.
        fake_api.delay("sendMessage", 2.0)
        base = f"http://127.0.0.1:{env['WEBHOOK_PORT']}"
        async with httpx.AsyncClient(timeout=15) as client:
            for chat_id in chats:
                update = _update(fake_api, chat_id, "/help")
                response = await client.post(
                    f"{base}{PATH}", json=update, headers={SECRET_HEADER: SECRET}
                )
                assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    # Every update answered 200 was handled before the process exited.
    assert [len(fake_api.messages(chat_id)) for chat_id in chats] == [1] * len(chats)


@pytest.mark.process
async def test_a_short_webhook_secret_stops_the_start_with_one_line(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    short = "abc123_XYZ"
    env = _process_env(
        fake_api, f"sqlite:///{tmp_path / 'bot.db'}", WEBHOOK_SECRET=short,
        # Nothing must be contacted: the settings are refused first.
        TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}",
    )  # fmt: skip
    process = await _start_bot(env, tmp_path)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1 and "WEBHOOK_SECRET" in lines[0] and "16" in lines[0], lines
    assert short not in lines[0]


# ---------------------------------------------------------------- the in-process scheduler


async def test_in_process_deliveries_show_in_metrics_and_health(hook: WebhookBot) -> None:
    """What bot.server.main wires up: the engine reports to the Application's Metrics, and the
    scheduler's health check joins /healthz."""
    harness = hook.harness
    now = dt.datetime.now(dt.UTC)
    await add_chat(harness.db, 740, now=now - dt.timedelta(days=2))
    await add_chat(harness.db, 741, now=now - dt.timedelta(days=2))
    async with harness.db.session() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id.in_([740, 741]))
            .values(next_due_at=now - dt.timedelta(minutes=1))
        )
    harness.api.block(741)
    delivery = await EmbeddedDelivery.start(
        harness.settings,
        harness.library,
        harness.db,
        harness.application.bot.rate_limiter,
        observer=services_in(harness.application).metrics,
    )
    try:
        hook.health.add("scheduler", delivery.health_check)
        # The first tick runs at start; wait (bounded) until it has finished.
        await asyncio.wait_for(delivery.service.ticked.wait(), timeout=30)
        healthz = await hook.client.get(f"{hook.ops_url}/healthz")
        text = (await hook.client.get(f"{hook.ops_url}/metrics")).text
    finally:
        await delivery.stop()
    assert healthz.status_code == 200
    assert healthz.json()["checks"] == {"database": "ok", "scheduler": "ok"}
    assert len(harness.api.messages(740)) == 1 and harness.api.messages(741) == []
    assert _sample(text, "magbot_deliveries_total", outcome="sent") == 1
    assert _sample(text, "magbot_deliveries_total", outcome="blocked") == 1
    assert _sample(text, "magbot_delivery_lag_seconds_count") == 1
    # Due a minute before the tick: the lag is at least that, and below the catch-up window.
    assert 60 <= _sample(text, "magbot_delivery_lag_seconds_sum") < 3600
    # Stopped, the scheduler is no longer healthy.
    assert not await delivery.health_check()


async def test_scheduler_health_goes_stale_without_ticks(
    fake_api: FakeBotAPI, database_url: str, library: Library, db: Database
) -> None:
    clock = [1000.0]
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        service = DeliveryService(engine, clock=lambda: clock[0])
        assert not service.healthy()  # not started
        service.start()
        try:
            assert service.healthy()  # just started: no tick is due yet
            clock[0] += STALE_AFTER + 1
            assert not service.healthy()  # started long ago, no tick ever finished
            service.last_tick_finished = clock[0] - 5
            assert await service.health_check()
            clock[0] += STALE_AFTER
            assert not service.healthy()
        finally:
            await service.stop()
