"""Helpers of the web tests (imported by conftest.py and the test modules): the crafted gazette,
starting and stopping a real uvicorn server, paths and browser settings."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("GONGBAO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
XSS = "<script>alert('xss')</script>"
CRAFTED_CITY = "测试市"
CRAFTED_DOC_NUMBER = "测政办发〔2023〕1号"


def crafted_gazette(cited: str, *, city: str = CRAFTED_CITY, year: int = 2023, issue: int = 1,
                    number: int = 1, marker: str = XSS) -> str:
    """A small but complete gazette issue: masthead, 目录, one document with outline headings, a
    table, a citation of ``cited`` and ``marker`` (hostile text) in its body."""
    prefix = city[0]
    dn = f"{prefix}政办发〔{year}〕{number}号"
    title = f"{city}人民政府办公室关于印发{city}网页安全检查办法的通知"
    return f"""# {city}人民政府公报

{year}年第{issue}期（总第{issue}期）

{city}人民政府办公室 编

{year}年3月31日出版（季刊）

### 目 录

【市政府办公室文件】
{title}
{dn}\t1

{city}人民政府办公室
关于印发{city}网页安全检查办法的通知

{dn}

各县（市、区）人民政府，市直各有关部门：

根据{cited}精神，现将《{city}网页安全检查办法》印发给你们，请认真贯彻执行。

{city}人民政府办公室

{year}年3月1日

（此件公开发布）

{city}网页安全检查办法

一、总体要求

（一）检查内容。页面必须转义文本 {marker} 与 "引号" & 符号 1<2。

（二）检查方式。按下表执行。

项目\t负责单位\t期限
转义\t市网信办\t{year}年6月
加粗\t市大数据局\t{year}年9月

二、工作要求

（一）明确责任。各单位按职责分工负责。

（二）加强督查。定期检查落实情况。

三、附则

本办法自印发之日起施行。
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    db: Path
    token: str | None
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)  # type: ignore[arg-type]


def copy_archive(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite archive (WAL included), for tests that write."""
    import sqlite3

    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


def start_server(db: Path, token: str | None, log: Path, *, max_upload_mb: int | None = None) -> Server:
    """``uvicorn`` in a child process serving ``create_app(db, token)`` on a free loopback port."""
    port = free_port()
    kwargs = f", max_upload_bytes={max_upload_mb} * 1024 * 1024" if max_upload_mb else ""
    code = (
        "import sys, uvicorn\n"
        "from gongbao.web.app import SERVER_OPTIONS, create_app\n"
        f"app = create_app(sys.argv[1], sys.argv[2] or None{kwargs})\n"
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[3]), log_level='warning', **SERVER_OPTIONS)\n"
    )
    out = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), token or "", str(port)], stdout=out,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return Server(url=url, db=db, token=token, proc=proc, log=log)


@contextmanager
def serve_in_thread(app: object) -> Iterator[str]:
    """``uvicorn`` serving ``app`` from a thread of this process on a free loopback port; yields
    the base URL. For tests that must look inside the app's store while it answers real HTTP."""
    import uvicorn

    from gongbao.web.app import SERVER_OPTIONS

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **SERVER_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the in-process server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(5)


@dataclass
class Archive:
    db: Path
    crafted_id: int  # the crafted document
    cited_id: int  # the sample document it cites
    cited_doc_number: str
    workdir: Path




def raw_get(base_url: str, path: str, params: dict[str, str]) -> tuple[int, str]:
    """GET with no client-side URL length limit (httpx refuses queries over 64 KiB; a
    10,000-character Chinese query is 90 KB once percent-encoded)."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    u = urlsplit(base_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request("GET", path + "?" + urlencode(params))
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()
