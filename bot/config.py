"""The bot's settings: everything the delivery engine needs, plus what only the bot uses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from runtime.config import EngineSettings, parse_duration

# The operations listener's paths. The webhook listener does not serve them, but a reverse
# proxy that routes by path must never send Telegram's updates there, nor the public here.
RESERVED_PATHS = frozenset({"/healthz", "/metrics"})
# A guessable secret lets anyone post updates as Telegram; 16 characters is the floor.
MIN_SECRET_LENGTH = 16
# MAX_PENDING_UPDATES when unset (BotSettings.pending_limit).
POLLING_PENDING = 300
WEBHOOK_PENDING = 1000


class BotSettings(EngineSettings):
    # NoDecode: operators write "1,2,3" in .env, not a JSON list.
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Webhook mode: set WEBHOOK_URL and Telegram pushes updates instead of being polled.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # validate_default: the "required with WEBHOOK_URL" rule must run when it is left out.
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Messages a chat may send per minute before it is asked to slow down and muted a minute.
    flood_limit: int = Field(default=20, ge=1, le=10_000)
    # The same for button taps, counted apart: working through the settings menu takes
    # more taps a minute than anyone types messages.
    flood_tap_limit: int = Field(default=60, ge=1, le=10_000)
    # /healthz and /metrics are served on their own listener, on loopback unless opened up
    # on purpose: they show subscriber counts and cost database reads.
    metrics_listen: str = "127.0.0.1"
    # validate_default: the default must not collide with a WEBHOOK_PORT set to it.
    metrics_port: int = Field(default=8081, ge=1, le=65535, validate_default=True)
    # Updates this process accepted and has not finished. Past it the webhook answers 503
    # (Telegram keeps the update and retries) and polling waits before fetching more, so
    # the backlog, and what a crash could lose, stays bounded. Unset: see pending_limit.
    max_pending_updates: int | None = Field(default=None, ge=1, le=100_000)
    # Updates of one chat waiting their turn (a chat's updates run one at a time). Beyond
    # it new ones are dropped with one notice: a chat's backlog takes about a second per
    # update to work off, so this also bounds how long a shutdown waits for it.
    max_pending_per_chat: int = Field(default=10, ge=1, le=1000)
    # Seconds polling waits after each getUpdates before asking again. A message to an idle
    # bot is still fetched at once by the long poll waiting for it; under load, what
    # arrives meanwhile comes in one batch, one request instead of several (at 300 updates/s
    # on PostgreSQL: 2.6 -> 2.1 ms of CPU per update, for 20-25 ms more median latency).
    poll_interval: float = Field(default=0.02, ge=0, le=5)
    # How long questions the bot could not answer are kept for the content team
    # (0 keeps none at all).
    question_retention: dt.timedelta = dt.timedelta(days=90)
    # Where the content YAML files are read from (at start and by /reload); unset: built in.
    content_dir: Path | None = None

    @field_validator("content_dir")
    @classmethod
    def _content_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError("must be a directory holding tips.yaml, faq.yaml, foods.yaml, ...")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be the public https URL Telegram should post updates to")
        if (parts.path.rstrip("/") or "/") in RESERVED_PATHS:
            raise ValueError("its path must not be /healthz or /metrics (the server uses them)")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _empty_secret(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError(
                    "is required when WEBHOOK_URL is set (16-256 of A-Z a-z 0-9 _ -, "
                    "e.g. openssl rand -hex 32)"
                )
            return None
        secret = value.get_secret_value()
        # Telegram's own rule for secret_token; anything else is refused by setWebhook.
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"is too short: use at least {MIN_SECRET_LENGTH} characters "
                "(e.g. openssl rand -hex 32)"
            )
        return value

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_listen(cls, value: str) -> str:
        value = value.strip()
        # An IPv4/IPv6 address or a host name, as uvicorn binds it.
        if not re.fullmatch(r"[A-Za-z0-9.:_\[\]-]{1,253}", value):
            raise ValueError("must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
        return value

    @field_validator("metrics_port")
    @classmethod
    def _metrics_port(cls, value: int, info: ValidationInfo) -> int:
        if value == info.data.get("webhook_port"):
            raise ValueError("must differ from WEBHOOK_PORT (the operations listener is apart)")
        return value

    # Named apart from EngineSettings._duration: the same name would replace that validator.
    @field_validator("question_retention", mode="before")
    @classmethod
    def _retention_duration(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("question_retention")
    @classmethod
    def _retention(cls, value: dt.timedelta) -> dt.timedelta:
        if value < dt.timedelta(0):
            raise ValueError("must not be negative (e.g. 90d, 30d, or 0 to keep none)")
        return value

    @property
    def pending_limit(self) -> int:
        """MAX_PENDING_UPDATES, or its default for the way updates arrive.

        Polling fetches only when there is room, so what does not fit waits at Telegram
        for free; 300 keeps an update's time inside an overloaded bot near a second
        (docs/benchmarks.md, "Past capacity"). A webhook cannot wait: past the limit it
        answers 503 and Telegram retries later, so it keeps more before refusing.
        """
        if self.max_pending_updates is not None:
            return self.max_pending_updates
        return WEBHOOK_PENDING if self.webhook_url else POLLING_PENDING

    @property
    def webhook_path(self) -> str:
        """Where the server receives updates: the path of WEBHOOK_URL."""
        path = urlsplit(self.webhook_url or "").path.rstrip("/")
        return path or "/"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be Telegram user ids separated by commas") from None
        return value
