"""`gongbao serve` as a user runs it: a fresh machine gets the bundled samples, a second start
re-uses the archive, an explicit empty --db stays empty, a busy port is a clear error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .webutil import SAMPLES, free_port

pytestmark = pytest.mark.slow


def _serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "serve", "--port", str(port), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not come up")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GONGBAO_DB", "GONGBAO_ADMIN_TOKEN")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"), COLUMNS="120")
    return env


def test_first_run_ingests_the_samples(fresh_env: dict[str, str], tmp_path: Path) -> None:
    proc, url = _serve(fresh_env)
    try:
        stats = httpx.get(url + "/api/stats").json()
        assert stats["issues"] == len(list(SAMPLES.glob("*.txt")))
        assert stats["documents"] > stats["issues"]
        assert httpx.get(url + "/").status_code == 200
    finally:
        out = _stop(proc)
    assert "First run" in out and "ingest" in out, out
    assert (tmp_path / "data" / "gongbao" / "gongbao.db").exists()

    proc, url = _serve(fresh_env)  # the second start keeps the archive and ingests nothing
    try:
        assert httpx.get(url + "/api/stats").json() == stats
    finally:
        out = _stop(proc)
    assert "First run" not in out


def test_explicit_empty_db_stays_empty(fresh_env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    proc, url = _serve(fresh_env, "--db", str(db))
    try:
        assert httpx.get(url + "/api/stats").json()["documents"] == 0
        page = httpx.get(url + "/")
        assert page.status_code == 200 and "共 <strong class=\"total\">0</strong>" in page.text
    finally:
        out = _stop(proc)
    assert "is empty" in out and "gongbao ingest" in out


def test_busy_port_is_a_clear_error(fresh_env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "gongbao", "serve", "--db", str(tmp_path / "x.db"),
                              "--port", str(port)], env=fresh_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "already in use" in out.stderr and "Traceback" not in out.stderr
