"""Files -> parse (process pool) -> store (one writer).

Workers read, decode, hash, parse and prepare every row of an issue (folding, index tokens, JSON);
``parse_issue`` is pure, so this scales with cores. The main process is the only writer: it stores
issues in batched transactions (each issue whole inside one transaction, never split; see
FIRST_BATCH_SECONDS for their size), so a crash at any moment leaves no half-stored issue, and re-running the same
ingest completes the batch. Files whose text is already stored (same content hash, same parser
version) are skipped before parsing. With a dask scheduler (``scheduler=``), the same parsing runs on
a cluster's workers instead of the local pool (:mod:`gongbao.cluster`); storing is unchanged.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongbao.store.base import Store, StoreOutcome
from gongbao.store.common import PreparedIssue, content_hash, prepare_issue

SUFFIXES = (".txt", ".md")
# The writer commits when a batch holds BATCH_DOCS documents or has been open for its window of
# seconds. The first window is FIRST_BATCH_SECONDS (the first issues show up in the archive, and a
# reader, soon); each next one is twice as long, up to MAX_BATCH_SECONDS. Every commit makes FTS5
# write its in-memory index as a new segment and merge segments, which costs the same for a small
# batch as for a large one: storing 3,013 documents took 2.8 ms of CPU per document committed
# every 20 documents, 2.0 every 100, 1.5 every 300, 1.2 every 1,000 (benchmarks/synth.py corpus).
FIRST_BATCH_SECONDS = 1.0
MAX_BATCH_SECONDS = 8.0
BATCH_DOCS = 2000
# What the parser pool yields (as the kind of a result) once every file is handed to a worker.
ALL_SUBMITTED = "all-submitted"


class IngestError(ValueError):
    """A text that cannot be archived; the message names the file and says why."""


@dataclass(slots=True)
class FileResult:
    path: str
    status: str  # added | unchanged | replaced | failed
    documents: int = 0
    warnings: int = 0
    issue_id: int | None = None
    error: str | None = None


@dataclass(slots=True)
class IngestSummary:
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    failed: int = 0
    documents: int = 0
    warnings: int = 0
    seconds: float = 0.0
    failures: list[FileResult] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.added + self.unchanged + self.replaced + self.failed

    def record(self, r: FileResult) -> None:
        setattr(self, r.status, getattr(self, r.status) + 1)
        if r.status == "failed":
            self.failures.append(r)
        else:
            self.documents += r.documents
            self.warnings += r.warnings

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "failed": self.failed,
            "documents": self.documents,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "failures": [{"path": f.path, "error": f.error} for f in self.failures],
        }


def collect_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[FileResult]]:
    """Files to ingest (directories are searched recursively for .txt/.md), and the given paths
    that do not exist (as failures)."""
    files: list[Path] = []
    missing: list[FileResult] = []
    seen: set[Path] = set()
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            found = sorted(x for x in path.rglob("*") if x.is_file() and x.suffix.lower() in SUFFIXES)
        elif path.is_file():
            found = [path]
        else:
            missing.append(FileResult(str(path), "failed", error=f"{path}: no such file or directory"))
            continue
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files, missing


def read_text(path: Path) -> str:
    from gongbao.source import SourceError, read_source

    try:
        return read_source(path)
    except SourceError as exc:
        raise IngestError(str(exc)) from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from None


def prepare_text(
    text: str, source_name: str, *, compress: bool = True, text_hash: str | None = None
) -> PreparedIssue:
    """Parse one issue's text and prepare its rows; IngestError when nothing can be archived.
    ``compress``: zlib-compress the stored texts (what the SQLite backend keeps), and then carry
    them only compressed (``prepare_issue(keep_texts=False)``): half the bytes to pickle from a
    worker to the writer. ``text_hash``: ``content_hash(text)`` when the caller has it already."""
    from gongbao.parse import parse_issue

    try:
        issue = parse_issue(text)
    except Exception as exc:  # the parser must not crash, but one bad file must not stop a batch
        raise IngestError(f"{source_name}: the parser failed ({type(exc).__name__}: {exc})") from None
    if not issue.documents:
        reasons = "; ".join(w.message for w in issue.warnings) or "no documents found"
        raise IngestError(f"{source_name}: no documents recognized ({reasons})")
    return prepare_issue(
        issue,
        content_hash=text_hash or content_hash(text),
        source_name=source_name,
        source_text=text,
        compress=compress,
        keep_texts=not compress,
    )


def ingest_text(
    store: Store, text: str, source_name: str, *, check: Callable[[PreparedIssue], None] | None = None
) -> StoreOutcome:
    """Parse and store one text (e.g. an upload). Raises IngestError and stores nothing if it
    cannot be archived. ``check``: called with the prepared issue before anything is stored; what
    it raises refuses the text (the text is parsed once either way)."""
    prepared = prepare_text(text, source_name, compress=_wants_compressed(store))
    if check is not None:
        check(prepared)
    return _store_prepared(store, prepared)


def _wants_compressed(store: Store) -> bool:
    """Whether the backend stores zlib-compressed texts (SQLite; PostgreSQL compresses itself)."""
    return getattr(store, "backend", "sqlite") == "sqlite"


def _store_prepared(store: Store, p: PreparedIssue) -> StoreOutcome:
    fn = getattr(store, "store_prepared", None)
    if fn is not None:
        return fn(p)
    raise TypeError(f"{type(store).__name__} cannot store prepared issues")


# -- worker side --------------------------------------------------------------------------------

_KNOWN: frozenset[str] = frozenset()
_COMPRESS = True


def _init_worker(known: frozenset[str], compress: bool = True) -> None:
    global _KNOWN, _COMPRESS
    _KNOWN, _COMPRESS = known, compress
    # The cyclic garbage collector: what the worker inherits (modules, compiled patterns) moves to
    # a generation it never scans, and the youngest generation is collected every 20,000
    # allocations instead of 700. Parsing builds many short-lived containers and few cycles; the
    # collector took 3.5% of a worker's CPU with the defaults.
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def _work(path: str, text: str | None = None) -> tuple[str, Any]:
    """("skip", hash) | ("ok", PreparedIssue) | ("fail", message). Never raises. ``text``: the
    text of ``path`` when the caller has it (a stored issue); else the file is read here."""
    try:
        if text is None:
            text = read_text(Path(path))
        h = content_hash(text)
        if h in _KNOWN:
            return "skip", h
        return "ok", prepare_text(text, path, compress=_COMPRESS, text_hash=h)
    except IngestError as exc:
        return "fail", str(exc)
    except Exception as exc:  # noqa: BLE001 - report, keep the batch going
        return "fail", f"{path}: {type(exc).__name__}: {exc}"


def _known_hashes(store: Store) -> frozenset[str]:
    from gongbao.parse import PARSER_VERSION

    fn = getattr(store, "known_hashes", None)
    return frozenset(fn(PARSER_VERSION)) if fn else frozenset()


# -- driver -------------------------------------------------------------------------------------


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    workers: int | None = None,
    progress: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    scheduler: str | None = None,
) -> IngestSummary:
    """Ingest files and directories into ``store``; see the module docstring. ``scheduler``: the
    address of a dask scheduler (``tcp://host:8786``) whose workers parse instead of ``workers``
    local processes; :class:`gongbao.cluster.ClusterError` if it cannot be used (nothing stored)."""
    t0 = time.perf_counter()
    files, missing = collect_paths(paths)
    summary = IngestSummary()
    for m in missing:
        summary.record(m)
        if on_result:
            on_result(m)
    if not files:
        summary.seconds = time.perf_counter() - t0
        return summary
    known = _known_hashes(store)
    n_workers = workers if workers is not None else (os.cpu_count() or 1)

    if scheduler:
        from gongbao.cluster import cluster_results

        results = cluster_results(files, known, scheduler, _wants_compressed(store))
    else:
        results = _results([(str(f), None) for f in files], known, n_workers, _wants_compressed(store))
    _store_results(store, results, len(files), summary, progress, on_result)
    summary.seconds = time.perf_counter() - t0
    return summary


def reparse_stored(
    store: Store,
    *,
    workers: int | None = None,
    progress: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestSummary:
    """Parse again, with this parser, every stored issue that another parser version made, from
    the source text the archive keeps (the files are not needed): each is replaced in one
    transaction, its documents keeping their ids. An issue whose text this parser cannot archive
    keeps its stored version and is reported as failed."""
    from gongbao.parse import PARSER_VERSION

    t0 = time.perf_counter()
    summary = IngestSummary()
    ids = store.stale_issues(PARSER_VERSION)
    if ids:
        names = {i.id: i.source_name for i in store.list_issues()}

        def loader(issue_id: int) -> Callable[[], str]:
            def load() -> str:
                found = store.issue_source(issue_id)
                if found is None:
                    raise IngestError(f"{names.get(issue_id, issue_id)}: issue {issue_id} has no stored text")
                return found[1]
            return load

        jobs = [(names.get(i, f"issue {i}"), loader(i)) for i in ids]
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        results = _results(jobs, frozenset(), n_workers, _wants_compressed(store))
        _store_results(store, results, len(jobs), summary, progress, on_result)
    summary.seconds = time.perf_counter() - t0
    return summary


def _store_results(
    store: Store,
    results: Iterator[tuple[str, str, Any]],
    total: int,
    summary: IngestSummary,
    progress: bool,
    on_result: Callable[[FileResult], None] | None,
) -> None:
    bar: _Progress | None = None
    try:
        # The bar starts with the first result, once the workers exist: its refresh thread must
        # not be running when they are forked, or they would be started by a fork server instead
        # (each importing gongbao anew: ~0.4 s of CPU per worker, measurable on every ingest).
        first = next(results, None)
        if first is not None:
            results = itertools.chain([first], results)
        if progress:
            bar = _Progress(total)
        _write(store, results, summary, bar, on_result)
    finally:
        if bar:
            bar.stop()


# A unit of parsing work: the path (or source name) of a text, and how this process gets the text
# (None: the worker reads the file itself).
Job = tuple[str, Callable[[], str] | None]


def _results(
    jobs: list[Job], known: frozenset[str], n_workers: int, compress: bool = True
) -> Iterator[tuple[str, str, Any]]:
    if n_workers <= 1 or len(jobs) == 1:
        _init_worker(known, compress)
        for label, load in jobs:
            try:
                text = load() if load else None
            except IngestError as exc:
                yield label, "fail", str(exc)
                continue
            yield (label, *_work(label, text))
        return
    import multiprocessing as mp
    import threading

    # fork is fastest and works from any __main__ (REPL, stdin); with other threads running
    # (a web server) a forked child could inherit a held lock, so use a fork server then.
    ctx = None
    if os.name == "posix":
        ctx = mp.get_context("fork" if threading.active_count() == 1 else "forkserver")
    with ProcessPoolExecutor(
        n_workers, mp_context=ctx, initializer=_init_worker, initargs=(known, compress)
    ) as pool:
        pending: dict[Future[tuple[str, Any]], str] = {}
        it = iter(jobs)
        # Parsed issues wait here while the writer commits (a commit of a long batch takes up to
        # a second): room for ~16 per worker keeps the workers parsing meanwhile (~1 MB each).
        max_in_flight = n_workers * 16
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < max_in_flight:
                try:
                    label, load = next(it)
                except StopIteration:
                    exhausted = True
                    yield "", ALL_SUBMITTED, None
                    break
                try:
                    text = load() if load else None
                except IngestError as exc:
                    yield label, "fail", str(exc)
                    continue
                pending[pool.submit(_work, label, text)] = label
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                path = pending.pop(fut)
                try:
                    kind, value = fut.result()
                except Exception as exc:  # a worker died (e.g. out of memory)
                    kind, value = "fail", f"{path}: worker failed ({type(exc).__name__}: {exc})"
                yield path, kind, value


def _write(
    store: Store,
    results: Iterator[tuple[str, str, Any]],
    summary: IngestSummary,
    bar: _Progress | None,
    on_result: Callable[[FileResult], None] | None,
) -> None:
    batch = getattr(store, "batch", None)
    ctx = batch() if batch else None
    if ctx:
        ctx.__enter__()
    started = time.monotonic()
    window = FIRST_BATCH_SECONDS
    docs_in_batch = 0

    def commit() -> None:
        nonlocal ctx, started, docs_in_batch
        if ctx and batch:
            ctx.__exit__(None, None, None)
            ctx = batch()
            ctx.__enter__()
        started = time.monotonic()
        docs_in_batch = 0

    try:
        for path, kind, value in results:
            if kind == ALL_SUBMITTED:
                # Commit what is stored so far while the workers parse the last files, so that
                # the final commit, which nothing overlaps, holds only those.
                if docs_in_batch:
                    commit()
                continue
            if kind == "skip":
                r = FileResult(path, "unchanged", issue_id=store.has_content(value))
            elif kind == "fail":
                r = FileResult(path, "failed", error=value)
            else:
                try:
                    out = _store_prepared(store, value)
                    r = FileResult(path, out.status, out.documents, out.warnings, out.issue_id)
                    docs_in_batch += out.documents
                except Exception as exc:  # noqa: BLE001 - the issue was rolled back; go on
                    r = FileResult(path, "failed", error=f"{path}: could not be stored ({exc})")
            summary.record(r)
            if on_result:
                on_result(r)
            if bar:
                bar.advance(r, summary)
            if docs_in_batch >= BATCH_DOCS or time.monotonic() - started >= window:
                commit()
                window = min(window * 2, MAX_BATCH_SECONDS)
    except BaseException as exc:
        if ctx:
            ctx.__exit__(type(exc), exc, exc.__traceback__)
            ctx = None
        raise
    finally:
        if ctx:
            ctx.__exit__(None, None, None)


class _Progress:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[docs]} docs"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.progress.add_task("ingest", total=total, docs=0, failed=0)
        self.progress.start()

    def advance(self, r: FileResult, s: IngestSummary) -> None:
        self.progress.update(self.task, advance=1, docs=s.documents, failed=s.failed)

    def stop(self) -> None:
        self.progress.stop()
