"""Schemathesis over the live server's /openapi.json, every check on, with a bounded example count
so the run stays within about a minute. A failure prints schemathesis's own report (with a curl
line to reproduce it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .webutil import Server

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")


def _schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis") or shutil.which("st")
    if not found:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    return [found]


def _run(server: Server, *extra: str, max_examples: int = 40) -> None:
    cmd = [*_schemathesis(), "--no-color", "--config-file", str(CONFIG), "run", server.url + "/openapi.json",
           "--checks", "all", "--max-examples", str(max_examples), "--workers", "2", "--seed", "20240501",
           "--request-timeout", "30", "--max-failures", "20", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    report = out.stdout[-12000:] + out.stderr[-3000:]
    assert out.returncode == 0, report
    assert "No issues found" in out.stdout or "passed" in out.stdout, report


def test_schemathesis_anonymous(server: Server) -> None:
    """As the public: every read endpoint, and uploads refused with a documented 401."""
    _run(server)


def test_schemathesis_admin(scratch_server: Server) -> None:
    """With the admin token (against a scratch copy): fuzzed uploads are refused with a 4xx,
    never a 5xx, and the read endpoints still conform."""
    _run(scratch_server, "--header", f"Authorization: Bearer {scratch_server.token}", max_examples=30)
