"""The bot's settings: everything the delivery engine needs, plus what only the bot uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from runtime.config import EngineSettings

# Paths the webhook server answers itself, so the Telegram path must not shadow them.
RESERVED_PATHS = frozenset({"/healthz", "/metrics"})


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
                raise ValueError("is required when WEBHOOK_URL is set (1-256 of A-Z a-z 0-9 _ -)")
            return None
        # Telegram's own rule for secret_token; anything else is refused by setWebhook.
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

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
