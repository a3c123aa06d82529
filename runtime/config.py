"""Settings shared by every process that talks to Telegram and the database.

The bot's own settings extend these, so `python -m scheduler` can run alone with just
what delivery needs.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Any, Literal, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.logs import redact
from storage.db import DEFAULT_DATABASE_URL, normalise_database_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> Any:
    """A duration setting written as "90", "90s", "30m", "3h" or "90d" as a timedelta;
    anything else is left for pydantic to parse (ISO 8601, a number) or refuse."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        unit = (match.group(2) or "s").lower()
        return dt.timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[unit])
    return value


def parse_hhmm(value: str) -> dt.time:
    """Parse a strict 24-hour `HH:MM` clock time."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ValueError("expected a 24-hour time such as 09:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


class EngineSettings(BaseSettings):
    """What delivery needs: Telegram, the database, time defaults and rate limits."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    bot_token: SecretStr = Field(min_length=1)
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = "UTC"
    default_delivery_time: dt.time = dt.time(9, 0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    scheduler_enabled: bool = True
    broadcast_rate: float = Field(default=30.0, gt=0, le=10_000)
    # Seconds between two messages to one chat: Telegram allows about one a second. Only
    # tests that do not test pacing set it lower (0 lets a scripted chat run at full speed).
    chat_send_interval: float = Field(default=1.0, ge=0, le=60)
    catchup_window: dt.timedelta = dt.timedelta(hours=3)
    # Chats claimed per database round trip: memory per tick is bounded by this, not the audience.
    delivery_batch_size: int = Field(default=500, ge=1, le=10_000)
    # Extra attempts after a timeout or a 5xx before a delivery is recorded as failed.
    send_retries: int = Field(default=3, ge=0, le=10)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token or any(ch.isspace() for ch in token) or "/" in token:
            raise ValueError("must be the token @BotFather gave you, e.g. 123456:ABC-DEF...")
        return SecretStr(token)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin or UTC") from None
        return value.strip()

    @field_validator("default_delivery_time", mode="before")
    @classmethod
    def _delivery_time(cls, value: Any) -> Any:
        return parse_hhmm(value) if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("catchup_window", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("catchup_window")
    @classmethod
    def _not_negative(cls, value: dt.timedelta) -> dt.timedelta:
        if value < dt.timedelta(0):
            raise ValueError("must not be negative (e.g. 3h, 90m or 0 to never catch up)")
        return value


Settings = TypeVar("Settings", bound=BaseSettings)


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting, never echoing its value."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    if first["type"] == "missing":
        return f"{name} is required: set it in the environment or in .env"
    if (
        first["type"] in {"too_short", "string_too_short"}
        and first.get("ctx", {}).get("min_length") == 1
    ):
        return f"{name} is empty: set it in the environment or in .env"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{name} is invalid: {message}"


def fail(message: str) -> NoReturn:
    """Stop at start-up with one clear line and exit status 2 (bad configuration).

    The line is masked like a log line: it may quote an error that quoted a URL."""
    print(f"magbot: {redact(message)}", file=sys.stderr)
    raise SystemExit(2)


def load_settings(cls: type[Settings], **overrides: Any) -> Settings:
    try:
        return cls(**overrides)
    except ValidationError as error:
        fail(describe_error(error))
