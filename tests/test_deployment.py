"""docker-compose.yml and the Dockerfile hold what operators rely on (no Docker engine here)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.eventloop import loop_factory
from storage.db import normalise_database_url

# Starts real processes: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_database_with_volume_and_healthcheck() -> None:
    db = _compose()["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata" in _compose()["volumes"]


def test_bot_service_waits_for_healthy_database_and_reads_env() -> None:
    services = _compose()["services"]
    bot = services["bot"]
    assert bot["build"] == "."
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env"
    url = bot["environment"]["DATABASE_URL"]
    db_env = services["db"]["environment"]
    assert normalise_database_url(url).startswith("postgresql+asyncpg://")
    assert f"{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}@db:5432/" in url
    assert url.endswith("/" + db_env["POSTGRES_DB"])


def test_dockerfile_runs_as_non_root_with_healthcheck() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert any('"bot"' in line for line in lines if line.startswith("CMD"))


def test_optional_scheduler_service_runs_the_delivery_engine() -> None:
    services = _compose()["services"]
    scheduler = services["scheduler"]
    assert scheduler["profiles"] == ["scheduler"]
    assert scheduler["command"] == ["python", "-m", "scheduler"]
    assert scheduler["build"] == "." and scheduler["env_file"] == ".env"
    assert (
        scheduler["environment"]["DATABASE_URL"] == services["bot"]["environment"]["DATABASE_URL"]
    )
    assert scheduler["depends_on"]["db"]["condition"] == "service_healthy"
    assert "bot.server.probe" in scheduler["healthcheck"]["test"]
    # The bot can leave delivery to that service; by default it delivers itself.
    assert services["bot"]["environment"]["SCHEDULER_ENABLED"] == "${SCHEDULER_IN_BOT:-true}"
    assert "bot" not in scheduler.get("profiles", []) and "profiles" not in services["bot"]


def test_healthcheck_in_polling_mode_checks_the_database(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "123:abc",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ok.db'}",
    }
    healthy = subprocess.run(
        [sys.executable, "-m", "bot.server.probe"], env=env, cwd=tmp_path, timeout=60
    )
    assert healthy.returncode == 0
    env["DATABASE_URL"] = "postgresql://magbot@127.0.0.1:1/magbot"
    sick = subprocess.run(
        [sys.executable, "-m", "bot.server.probe"], env=env, cwd=tmp_path, timeout=60
    )
    assert sick.returncode == 1


def test_healthcheck_in_webhook_mode_asks_healthz(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "123:abc",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ok.db'}",
        "WEBHOOK_URL": "https://example.org/hook",
        "WEBHOOK_SECRET": "s" * 16,
        "WEBHOOK_PORT": str(_free_port()),
        # The probe asks the operations listener, where /healthz is served.
        "METRICS_PORT": str(_free_port()),
    }
    # Nothing listens on the port: unhealthy, though the database itself is fine.
    sick = subprocess.run(
        [sys.executable, "-m", "bot.server.probe"], env=env, cwd=tmp_path, timeout=60
    )
    assert sick.returncode == 1
    database_only = subprocess.run(
        [sys.executable, "-m", "bot.server.probe", "--database"], env=env, cwd=tmp_path, timeout=60
    )
    assert database_only.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_processes_run_on_uvloop_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
    # Where it is missing (Windows), asyncio's own loop runs the same code.
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert loop_factory() is asyncio.new_event_loop
