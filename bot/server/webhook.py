"""Webhook mode: a Starlette app on uvicorn that feeds Telegram's POSTs to the Application.

This is python-telegram-bot's custom-webhook pattern: the server only checks and decodes
each update and puts it on `application.update_queue`; the Application processes it
exactly as in polling mode. While MAX_PENDING_UPDATES are pending it answers 503 instead,
and Telegram keeps the update and retries it later.

`GET /healthz` and `GET /metrics` are served by a second server, the operations listener
(METRICS_LISTEN:METRICS_PORT, loopback by default), never on the public webhook listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import time
from typing import Any

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.config import BotSettings
from bot.server.health import Health
from bot.server.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.server.ordering import UpdateQueue
from bot.server.transport import bare_update, decode_update
from bot.services import AnyApplication
from storage import Database, stats

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kB; anything far larger is not from Telegram. Bodies are
# read up to this and no further, whatever Content-Length claims.
MAX_BODY = 1024 * 1024
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")
# How long the chat counts read for /metrics are reused, so scrapes stay cheap.
CHAT_COUNTS_TTL = 15.0


class _ChatCounts:
    """Chats by status for /metrics, read at most once per CHAT_COUNTS_TTL."""

    def __init__(self, db: Database, metrics: Metrics) -> None:
        self._db = db
        self._metrics = metrics
        self._read_at = -CHAT_COUNTS_TTL
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._read_at < CHAT_COUNTS_TTL:
                return
            try:
                async with asyncio.timeout(3.0), self._db.session() as session:
                    counts = await stats.chats_by_status(session)
            except (TimeoutError, OSError, SQLAlchemyError):
                return  # /healthz reports the database; metrics keep the last values
            self._metrics.set_chat_counts(counts)
            self._read_at = time.monotonic()


def create_app(
    application: AnyApplication, *, secret: str, path: str, metrics: Metrics
) -> Starlette:
    """The public listener: Telegram's POSTs to `path`, and nothing else."""
    expected = secret.encode()
    queue = application.update_queue
    if not isinstance(queue, UpdateQueue):
        raise TypeError("the Application must be built by bot.app (its update queue counts)")

    def busy() -> Response:
        metrics.webhook_busy.inc()
        return PlainTextResponse("busy", status_code=503)

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        if queue.backlog.full:  # before reading or parsing anything: shedding load is the point
            return busy()
        body = await _read_body(request)
        if isinstance(body, Response):
            return body
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            return PlainTextResponse("not JSON", status_code=400)
        update = decode_update(data, application.bot)
        malformed = update is None
        if update is None:
            bare = bare_update(data)
            if bare is None:
                return PlainTextResponse("not an update", status_code=400)
            # Acknowledged, or Telegram would send the broken update again and again.
            update = Update.de_json(bare, application.bot)
        # The backlog may have filled while the body was read: this is the check that holds.
        if not queue.offer(update):
            return busy()
        if malformed:
            metrics.malformed_updates.inc()
            log.warning("dropped a malformed update update_id=%s", update.update_id)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, telegram, methods=["POST"])])


async def _read_body(request: Request) -> bytes | Response:
    """The body, read no further than MAX_BODY; or the response refusing it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _CONTENT_LENGTH.fullmatch(declared.strip()):
            return PlainTextResponse("bad Content-Length", status_code=400)
        if int(declared) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:  # chunked, or longer than declared
            return PlainTextResponse("too large", status_code=413)
    return bytes(body)


def create_ops_app(*, metrics: Metrics, health: Health, db: Database) -> Starlette:
    """The operations listener: `/healthz` for probes, `/metrics` for Prometheus."""
    chat_counts = _ChatCounts(db, metrics)

    async def healthz(_request: Request) -> Response:
        healthy, report = await health.report()
        body = {"status": "ok" if healthy else "failing", "checks": report}
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def prometheus(_request: Request) -> Response:
        await chat_counts.refresh()
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `python -m bot` owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


class HttpServer:
    """One uvicorn listener (the webhook, or the operations listener), started and stopped
    next to the Application."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            # Our logging set-up (token redaction) applies to uvicorn's records too.
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=10,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="webhook-server")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises why it could not start (e.g. port in use)
                raise RuntimeError("the webhook server stopped during start-up")
            await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0)."""
        sockets = [s for server in self._server.servers for s in server.sockets]
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting requests; requests in flight finish first."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None


def build_server(
    application: AnyApplication, settings: BotSettings, metrics: Metrics
) -> HttpServer:
    assert settings.webhook_secret is not None  # settings require it with WEBHOOK_URL
    app = create_app(
        application,
        secret=settings.webhook_secret.get_secret_value(),
        path=settings.webhook_path,
        metrics=metrics,
    )
    return HttpServer(app, settings.webhook_listen, settings.webhook_port)


def build_ops_server(
    settings: BotSettings, metrics: Metrics, health: Health, db: Database
) -> HttpServer:
    app = create_ops_app(metrics=metrics, health=health, db=db)
    return HttpServer(app, settings.metrics_listen, settings.metrics_port)


async def register_webhook(application: AnyApplication, settings: BotSettings) -> None:
    """Point Telegram at WEBHOOK_URL. Every worker does this; it is idempotent."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    await application.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
        max_connections=100,
    )
