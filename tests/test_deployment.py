"""docker-compose.yml and the Dockerfile hold what operators rely on (no Docker engine here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scheduler.settings import normalise_database_url

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
