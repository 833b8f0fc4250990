"""A throwaway PostgreSQL cluster (initdb + pg_ctl in a temporary directory, unix socket only).

Used by the tests and the benchmark; never touches a system service. As root, the server runs as
the ``postgres`` OS user (initdb refuses root).

``TempCluster(path=DIR)`` keeps the cluster instead: it lives in ``DIR`` (created by the first
start, reused by the next ones, on a new port each time) and ``stop()`` shuts the server down but
leaves the directory, so an archive built once (e.g. the benchmark's 100k documents) can be opened
again later. Settings are given per start, not stored in the directory.

>>> with TempCluster() as pg:            # doctest: +SKIP
...     store = open_store(pg.url("gongbao"))
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """``$GONGBAO_PG_BIN``, else the newest /usr/lib/postgresql/*/bin, else initdb on PATH."""
    env = os.environ.get("GONGBAO_PG_BIN")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if cands:
        return Path(cands[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempCluster:
    def __init__(
        self, *, fast: bool = True, settings: dict[str, str] | None = None, path: str | os.PathLike | None = None
    ) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise ClusterUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; set GONGBAO_PG_BIN")
        self.bindir = bindir
        self.fast = fast
        self.settings = dict(settings or {})
        self.dir: Path | None = None
        self.keep = Path(path).absolute() if path is not None else None
        self.port = _free_port()
        self._as: list[str] = []

    @property
    def socket_dir(self) -> Path:
        assert self.dir is not None
        return self.dir

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [*self._as, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            log = ""
            if self.dir and (self.dir / "server.log").exists():
                log = (self.dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")

    @staticmethod
    def is_cluster_dir(path: str | os.PathLike) -> bool:
        """Whether ``path`` holds a cluster kept by ``TempCluster(path=...)``."""
        return (Path(path) / "data" / "PG_VERSION").exists()

    def start(self) -> TempCluster:
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            self.dir = self.keep
        else:
            self.dir = Path(tempfile.mkdtemp(prefix="gongbao-pg-"))
        if os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterUnavailable("running as root and there is no 'postgres' OS user to run the server") from None
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
        data = self.dir / "data"
        if not self.is_cluster_dir(self.dir):
            self._run(str(self.bindir / "initdb"), "-D", str(data), "-E", "UTF8", "--locale=C.UTF-8",
                      "-A", "trust", "-U", "postgres", "--no-sync")
        opts = [f"-k {self.dir}", "-c listen_addresses=''", f"-p {self.port}"]
        if self.fast:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        opts += [f"-c {k}={v}" for k, v in self.settings.items()]
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", " ".join(opts),
                  "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def has_database(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def stop(self) -> None:
        if self.dir is None:
            return
        if self.keep is not None:  # a clean shutdown: the data stays and must be consistent
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "-t", "600", "stop",
                      timeout=630)
            self.dir = None
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        except Exception:  # noqa: BLE001 - best effort; the directory goes anyway
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> TempCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
