"""Parse on a dask cluster, store here: the source of parsed issues for ``gongbao ingest --scheduler``.

The local ingest parses in a process pool on this machine's cores. With a dask.distributed
scheduler, the same pure step (``prepare_text``: parse an issue and prepare its rows) runs on the
cluster's workers instead, and the results come back to the one writer of
:func:`gongbao.ingest.ingest_paths`, which stores them exactly as it stores local results (the same
batched transactions, so the same crash safety and idempotence). So a batch can use as many cores
as the cluster has; what stays here is reading the files, hashing them and writing the archive.

- Files are read here and their text is shipped to the workers: the workers need gongbao
  installed, not the files. A file whose text is already stored (same content hash) is never
  shipped.
- Every worker must run the same gongbao code as this process (checked before anything is
  shipped, by a fingerprint of the package's source files): a worker with other code would store
  other results than a local ingest.
- At most ``SLOTS_PER_THREAD`` issues per worker thread are in flight, so memory stays bounded
  whatever the batch size; a worker that dies takes none of the batch with it (the scheduler runs
  its tasks elsewhere; a task that kills workers repeatedly is reported as a failed file).

Start a cluster with ``dask scheduler`` and ``dask worker tcp://HOST:8786`` on each machine (where
``pip install 'gongbao[cluster]'`` put the same gongbao), then
``gongbao ingest DIR --scheduler tcp://HOST:8786``.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# In-flight issues per worker thread: enough that a worker never waits for the next text while
# the writer commits (a commit takes up to a second), few enough to bound memory (~1 MB each).
SLOTS_PER_THREAD = 8
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler


class ClusterError(RuntimeError):
    """The cluster cannot be used: unreachable, no workers, not installed, or other code."""


def code_fingerprint() -> str:
    """A digest of all of gongbao's Python sources: equal on two machines exactly when they run
    the same parser and preparation code.

    >>> len(code_fingerprint())
    16
    """
    from gongbao.parse import sources_digest

    root = Path(__file__).resolve().parent
    return sources_digest(root, sorted(root.rglob("*.py")))


def prepare_remote(text: str, source_name: str, compress: bool, text_hash: str) -> tuple[str, Any]:
    """What a worker runs for one issue: ("ok", PreparedIssue) or ("fail", message). Never raises,
    so that a bad file is a reported failure, not a task the scheduler retries."""
    from gongbao.ingest import IngestError, prepare_text

    try:
        return "ok", prepare_text(text, source_name, compress=compress, text_hash=text_hash)
    except IngestError as exc:
        return "fail", str(exc)
    except Exception as exc:  # noqa: BLE001 - report, keep the batch going
        return "fail", f"{source_name}: {type(exc).__name__}: {exc}"


def check_address(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """ClusterError unless ``address`` is a ``tcp://``/``tls://`` HOST:PORT that accepts a
    connection (checked before a dask Client exists: a Client that fails to connect lingers and
    stalls the exit)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a dask scheduler address like tcp://HOST:8786 ({exc})") from None
    if scheme not in ("tcp", "tls") or not 0 < int(port) < 65536:
        raise ClusterError(f"{address!r} is not a dask scheduler address like tcp://HOST:8786")
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    except OSError as exc:
        raise ClusterError(f"cannot reach the dask scheduler at {address} ({exc.strerror or exc})") from None
    with sock:
        if scheme == "tcp":
            # A dask scheduler sends its handshake as soon as it accepts a connection; another kind
            # of server (a web server on that port) waits for a request, and a dask Client would
            # wait for it forever.
            try:
                sock.settimeout(min(timeout, 5.0))
                greeting = sock.recv(1)
            except OSError:
                greeting = b""
            if not greeting:
                raise ClusterError(f"{address} accepts connections but is not a dask scheduler (no handshake)")


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A dask.distributed Client of the scheduler at ``address`` whose workers all run this
    gongbao; ClusterError (with what to do) otherwise."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "--scheduler needs dask.distributed, which is not installed: pip install 'gongbao[cluster]'"
        ) from None
    check_address(address, timeout)
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the dask scheduler at {address} ({exc})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(f"the dask scheduler at {address} has no workers (waited {timeout:g} s)") from None
        try:
            prints = client.run(code_fingerprint)
        except Exception as exc:  # e.g. ModuleNotFoundError: gongbao is not installed on a worker
            raise ClusterError(
                f"a worker of {address} cannot run gongbao ({type(exc).__name__}: {exc}); "
                "install the same gongbao on every worker"
            ) from None
        mine = code_fingerprint()
        other = sorted(w for w, p in prints.items() if p != mine)
        if other:
            raise ClusterError(
                f"{len(other)} worker(s) of {address} run other gongbao code than this machine "
                f"(e.g. {other[0]}); install the same gongbao on every worker"
            )
    except BaseException:
        client.close()
        raise
    return client


def cluster_results(
    files: list[Path], known: frozenset[str], address: str, compress: bool = True
) -> Iterator[tuple[str, str, Any]]:
    """(path, kind, value) for each file, as :func:`gongbao.ingest.ingest_paths` consumes them:
    kind "ok" (a PreparedIssue), "skip" (its content hash: already stored), "fail" (a message),
    and once every file is handed out, ``ALL_SUBMITTED``."""
    from gongbao.ingest import ALL_SUBMITTED, IngestError, read_text
    from gongbao.store.common import content_hash

    client = connect(address)  # first: it says what to install when dask is missing
    from distributed import as_completed

    try:
        slots = max(1, sum(client.nthreads().values())) * SLOTS_PER_THREAD
        batch = uuid.uuid4().hex[:12]
        running = as_completed(loop=client.loop)
        paths: dict[str, str] = {}
        remaining = iter(enumerate(files))
        exhausted = False
        while True:
            while not exhausted and running.count() < slots:
                item = next(remaining, None)
                if item is None:
                    exhausted = True
                    yield "", ALL_SUBMITTED, None
                    break
                k, f = item
                path = str(f)
                try:
                    text = read_text(f)
                except IngestError as exc:
                    yield path, "fail", str(exc)
                    continue
                h = content_hash(text)
                if h in known:
                    yield path, "skip", h
                    continue
                key = f"gongbao-prepare-{batch}-{k}"
                paths[key] = path
                running.add(client.submit(prepare_remote, text, path, compress, h, key=key, pure=False))
            if running.is_empty():
                break
            future = next(running)
            path = paths.pop(future.key)
            try:
                kind, value = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: this file failed, go on
                kind, value = "fail", f"{path}: failed on the cluster ({type(exc).__name__}: {exc})"
            future.release()
            yield path, kind, value
    finally:
        client.close()
