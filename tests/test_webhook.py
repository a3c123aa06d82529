"""Webhook mode: the secret token, decoding, /healthz and /metrics, and `python -m bot`."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import func, select, update

from bot.server.health import Health
from bot.server.webhook import SECRET_HEADER
from bot.services import services_in
from bot.settings import BotSettings
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


def test_webhook_settings_defaults_and_path() -> None:
    polling = _settings()
    assert polling.webhook_url is None and polling.webhook_secret is None
    assert (polling.webhook_listen, polling.webhook_port) == ("0.0.0.0", 8080)
    hook = _settings(webhook_url="https://bot.example.org/tg/hook/", webhook_secret="s3cret_-X")
    assert hook.webhook_path == "/tg/hook"
    assert _settings(webhook_url="https://bot.example.org", webhook_secret="x").webhook_path == "/"
    assert _settings(webhook_url="  ", webhook_secret="").webhook_url is None


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"webhook_url": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is invalid: is required"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "has space"}, "1-256"),
        ({"webhook_url": "https://bot.example.org/h", "webhook_secret": "x" * 257}, "1-256"),
        ({"webhook_url": "ftp://bot.example.org/h", "webhook_secret": "x"}, "WEBHOOK_URL"),
        ({"webhook_url": "https://bot.example.org/metrics", "webhook_secret": "x"}, "/metrics"),
        ({"webhook_port": 0}, "WEBHOOK_PORT"),
        ({"content_dir": "/no/such/dir"}, "CONTENT_DIR"),
        ({"flood_limit": 0}, "FLOOD_LIMIT"),
    ],
)  # fmt: skip
def test_bad_webhook_settings_name_the_setting(values: dict[str, Any], needle: str) -> None:
    message = _error(**values)
    assert needle in message
    secret = values.get("webhook_secret")
    if secret and secret != "x":
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
    assert forged["update_id"] not in hook.harness._done
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
    metrics = (await hook.client.get(f"{hook.url}/metrics")).text
    assert _sample(metrics, "magbot_updates_malformed_total") == 1


async def test_healthz_reports_database_and_registered_checks(hook: WebhookBot) -> None:
    response = await hook.client.get(f"{hook.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}

    stalled = asyncio.Event()

    async def scheduler_alive() -> bool:
        return stalled.is_set()

    hook.health.add("scheduler", scheduler_alive)
    failing = await hook.client.get(f"{hook.url}/healthz")
    assert failing.status_code == 503
    assert failing.json()["checks"] == {"database": "ok", "scheduler": "failing"}
    stalled.set()
    assert (await hook.client.get(f"{hook.url}/healthz")).status_code == 200


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
    response = await hook.client.get(f"{hook.url}/metrics")
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
    text = (await hook.client.get(f"{hook.url}/metrics")).text
    assert _sample(text, "magbot_blocked_chats_total") == 1
    assert _sample(text, "magbot_telegram_429_total") == 1
    # The 429 was retried and the reply went out; the blocked chat got nothing at all.
    assert len(api.messages(721)) == 1 and api.messages(720) == []


# ---------------------------------------------------------------- python -m bot


async def test_bot_process_registers_and_serves_its_webhook(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    public = "https://magbot.example.org/telegram/hook"
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake_api.url,
        DATABASE_URL=database_url,
        SCHEDULER_ENABLED="false",
        WEBHOOK_URL=public,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        [registration] = await fake_api.wait_for_call("setWebhook", timeout=60)
        assert registration.params["url"] == public
        assert registration.params["secret_token"] == SECRET
        assert fake_api.webhook_url == public
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=15) as client:
            assert (await client.get(f"{base}/healthz")).status_code == 200
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
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log and SECRET not in log
    assert fake_api.messages(731) == []


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
        healthz = await hook.client.get(f"{hook.url}/healthz")
        text = (await hook.client.get(f"{hook.url}/metrics")).text
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
