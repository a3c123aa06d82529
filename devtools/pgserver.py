"""A throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port.

PostgreSQL refuses to run as root, and CI runs as root, so the server runs as an
unprivileged user (`postgres`, or `nobody`) in a temporary directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install them (apt-get install postgresql); "
        ".ci/run does this automatically"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    port: int
    process: subprocess.Popen[bytes]
    directory: Path
    user: str
    bin_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", self.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return result.stdout

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_user(user: str) -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}", "--init-groups"]


def _server_user() -> str:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("no unprivileged user to run PostgreSQL as")


def start() -> PgServer:
    bin_dir = _bin_dir()
    user = _server_user()
    directory = Path(tempfile.mkdtemp(prefix="magbot-pg-"))
    entry = pwd.getpwnam(user)
    os.chown(directory, entry.pw_uid, entry.pw_gid)
    os.chmod(directory, 0o700)
    data = directory / "data"
    prefix = _as_user(user)
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    log = open(directory / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    os.chown(directory / "server.log", entry.pw_uid, entry.pw_gid)
    process = subprocess.Popen(
        [*prefix, str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
         "-p", str(port), "-k", str(directory), "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = PgServer(port, process, directory, user, bin_dir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((directory / "server.log").read_text(errors="replace")[-2000:])
        ready = subprocess.run(
            [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True,
        )
        if ready.returncode == 0:
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("PostgreSQL did not become ready within 30 s")


@contextlib.contextmanager
def running() -> Iterator[PgServer]:
    server = start()
    try:
        yield server
    finally:
        server.stop()
