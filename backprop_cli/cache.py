"""A cache of parsed programs, so that running the same expression again skips Lark altogether.

Scripts call ``backprop eval`` thousands of times with one expression and new values; parsing it
(and importing Lark) is most of the start-up time. A parsed graph is plain data, so it is stored with
``marshal``, keyed by the program text and stamped with the parser's own files, much as Python
caches bytecode beside source. Any problem with the cache is a miss, never an error.

``BACKPROP_CACHE_DIR`` moves the cache; ``BACKPROP_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import zlib
from typing import Any

from . import __version__
from .graph import Graph

FORMAT = 2
MAX_SOURCE = 64 * 1024
"""Longer programs are not cached: their parse dwarfs start-up anyway."""
MAX_ENTRIES = 1000
"""When the cache holds more, the older half is removed."""

_HERE = os.path.dirname(os.path.abspath(__file__))
_STAMPED = ("parse.py", "builder.py", "lalr.py", "graph.py", "ops.py", "grammars/expr.lark", "../grammars/expr.lark")


def cache_dir() -> str | None:
    """The cache directory (created if needed), or None when caching is off or impossible."""
    if os.environ.get("BACKPROP_NO_CACHE"):
        return None
    directory = os.environ.get("BACKPROP_CACHE_DIR")
    if not directory:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(base, "backprop-cli")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None


def _stamp() -> tuple[object, ...]:
    """What makes a cached graph stale: the version, the format and the parser's files."""
    stamp: list[object] = [__version__, FORMAT]
    for name in _STAMPED:
        try:
            st = os.stat(os.path.join(_HERE, name))
        except OSError:
            continue
        stamp += [name, st.st_mtime_ns, st.st_size]
    return tuple(stamp)


def _path(directory: str, source: str) -> str:
    data = source.encode("utf-8", "surrogatepass")
    return os.path.join(directory, f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.graph")


def load(source: str) -> Graph:
    """The graph of ``source``, from the cache if it is there, else parsed (and then cached)."""
    directory = cache_dir() if len(source) <= MAX_SOURCE else None
    if directory is not None:
        path = _path(directory, source)
        stamp = _stamp()
        try:
            with open(path, "rb") as f:
                cached_stamp, cached_source, data = marshal.load(f)
            if cached_stamp == stamp and cached_source == source:
                return Graph.from_data(data)
        except Exception:  # noqa: BLE001 - any unreadable entry is just a miss
            pass

    from .parse import parse  # Lark is imported only on a miss.

    graph = parse(source)
    if directory is not None:
        _store(directory, path, (stamp, source, graph.to_data()))
    return graph


def _store(directory: str, path: str, entry: tuple[Any, ...]) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            marshal.dump(entry, f)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old entry or the new one
        _trim(directory)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _trim(directory: str) -> None:
    entries = [e for e in os.scandir(directory) if e.name.endswith(".graph")]
    if len(entries) > MAX_ENTRIES:
        entries.sort(key=lambda e: e.stat().st_mtime)
        for entry in entries[: len(entries) // 2]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
