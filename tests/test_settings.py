"""Settings: defaults, parsing, and one clear line for every bad value."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot.config import BotSettings
from runtime.config import describe_error, load_settings

TOKEN = "123456:ABCdefGhIJKlmnOPQrstUVwxyz-0123456"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in [
        "BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "DEFAULT_TIMEZONE",
        "DEFAULT_DELIVERY_TIME", "ADMIN_IDS", "LOG_LEVEL", "CATCHUP_WINDOW", "BROADCAST_RATE",
    ]:  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults() -> None:
    settings = BotSettings(bot_token=TOKEN)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite+aiosqlite:///data/magbot.db"
    assert settings.default_timezone == "UTC"
    assert settings.default_delivery_time == dt.time(9, 0)
    assert settings.admin_ids == frozenset()
    assert settings.catchup_window == dt.timedelta(hours=3)


def test_environment_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/magbot")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("DEFAULT_DELIVERY_TIME", "7:30")
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CATCHUP_WINDOW", "90m")
    settings = BotSettings()
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/magbot"
    assert settings.default_delivery_time == dt.time(7, 30)
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.log_level == "DEBUG"
    assert settings.catchup_window == dt.timedelta(minutes=90)


def test_dotenv_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(".env", "w") as env:
        env.write(f"BOT_TOKEN={TOKEN}\nDEFAULT_TIMEZONE=Asia/Kathmandu\n")
    assert BotSettings().default_timezone == "Asia/Kathmandu"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL is invalid: unsupported database"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is invalid: not a database URL"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE is invalid: must be an IANA"),
        ("DEFAULT_DELIVERY_TIME", "25:99", "DEFAULT_DELIVERY_TIME is invalid"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL is invalid"),
        ("ADMIN_IDS", "alice", "ADMIN_IDS is invalid"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL is invalid"),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        BotSettings()
    line = describe_error(caught.value)
    assert line.startswith(expected)
    assert "\n" not in line
    assert TOKEN not in line


def test_missing_token_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        load_settings(BotSettings)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "magbot: BOT_TOKEN is required: set it in the environment or in .env"


def test_bad_token_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "123456:has spaces-secret-part"
    monkeypatch.setenv("BOT_TOKEN", secret)
    with pytest.raises(SystemExit):
        load_settings(BotSettings)
    err = capsys.readouterr().err
    assert "BOT_TOKEN is invalid" in err
    assert "secret-part" not in err
