"""Webhook-mode helpers shared by the webhook, fault and load tests: the real Application
fed by the real Starlette app on uvicorn, with updates POSTed the way Telegram posts them,
and the operations listener (/healthz, /metrics) beside it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bot.server.health import Health
from bot.server.webhook import SECRET_HEADER, HttpServer, create_app, create_ops_app
from bot.services import services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from tests.harness import BotHarness, start_harness, stop_harness

SECRET = "test-webhook-secret_123"
PATH = "/telegram/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clock:
    """A clock the test moves by hand (the health report's cache)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class WebhookBot:
    harness: BotHarness
    server: HttpServer
    ops: HttpServer
    client: httpx.AsyncClient
    health: Health
    clock: Clock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def ops_url(self) -> str:
        return f"http://127.0.0.1:{self.ops.port}"

    async def post(self, update: Any, *, secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(f"{self.url}{PATH}", json=update, headers=headers)


@asynccontextmanager
async def webhook_bot(
    api: FakeBotAPI, database_url: str, library: Library, **overrides: Any
) -> AsyncIterator[WebhookBot]:
    """The harness's Application, its polling stopped, fed by the webhook server instead."""
    harness = await start_harness(api, database_url, library, sole_handler=False, **overrides)
    application = harness.application
    assert application.updater is not None
    await application.updater.stop()
    clock = Clock()
    health = Health(harness.db, clock=clock)
    metrics = services_in(application).metrics
    app = create_app(application, secret=SECRET, path=PATH, metrics=metrics)
    server = HttpServer(app, "127.0.0.1", 0)
    ops = HttpServer(create_ops_app(metrics=metrics, health=health, db=harness.db), "127.0.0.1", 0)
    await server.start()
    await ops.start()
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            yield WebhookBot(harness, server, ops, client, health, clock)
    finally:
        await server.stop()
        await ops.stop()
        await stop_harness(harness)
