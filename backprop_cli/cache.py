"""A cache of parsed programs, so that running the same expression again skips Lark altogether.

Scripts call ``backprop eval`` thousands of times with one expression and new values; importing Lark
and parsing is about half of such a run's time. A parsed graph is plain data, stored with ``marshal``
and keyed by the program text. The cache wraps the parser (:func:`load`); the parser knows nothing of it.

Nothing in it can run code or change an answer:
- it lives in a directory owned by the user and writable by nobody else (created 0700; an absolute
  path only: with HOME unset or relative there is no cache);
- every entry carries a MAC over its whole content (keyed BLAKE2b, RFC 7693; HMAC-SHA256 would load
  OpenSSL, ~20 ms at each start), keyed by a random per-user secret kept 0600 in that directory:
  an entry that was not written by this user's ``backprop`` is not read;
- entries are opened without following symbolic links, only when they are regular files of bounded
  size, written to a fresh file and renamed into place, and then validated against the graph's rules;
- trimming deletes only files that start with the cache's own signature.

Any problem is a miss, never an error. ``BACKPROP_CACHE_DIR`` moves the cache; ``BACKPROP_NO_CACHE=1``
turns it off.
"""

from __future__ import annotations

import contextlib
import marshal
import math
import os
import stat
from _blake2 import blake2b  # hashlib's own BLAKE2, without hashlib's ~20 ms of loading OpenSSL
from _operator import _compare_digest as compare_digest  # what hmac.compare_digest is without OpenSSL
from collections.abc import Callable, Iterator
from typing import Any

from . import __version__
from .graph import COLUMNS, Graph
from .ops import OPS

FORMAT = 2
MAGIC = b"backprop-cli cached program, format %d\n" % FORMAT
"""Every entry starts with this signature; only files that carry it are ever deleted."""
SUFFIX = ".graph"
KEY_FILE = "key"
KEY_BYTES = 32
TAG_BYTES = 32
MAX_SOURCE = 64 * 1024
"""Longer programs are not cached: their parse dwarfs start-up anyway."""
MAX_ENTRY = 8 * 1024 * 1024
"""Larger files are not read (a 64 KiB program's entry is about 1 MB)."""
MAX_ENTRIES = 1000
"""When the cache holds more, the older half is removed."""

_HERE = os.path.dirname(os.path.abspath(__file__))
_GRAMMARS = [f"{d}/{f}" for d in ("grammars", "../grammars") for f in ("expr.lark", "expr.tables.json")]
_STAMPED = ("parse.py", "builder.py", "lalr.py", "graph.py", "ops.py", "tables.py", *_GRAMMARS)
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
"""Never through a symbolic link; never waiting on a FIFO (it is then refused as not a regular file)."""


def cache_dir() -> str | None:
    """The cache directory's absolute path, or None when caching is off or has nowhere safe to go."""
    if os.environ.get("BACKPROP_NO_CACHE", "") not in ("", "0"):
        return None
    directory = os.environ.get("BACKPROP_CACHE_DIR")
    if not directory:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
            base = os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(base, "backprop-cli")
    # HOME unset for a uid without a passwd entry leaves "~": never a cache inside the working directory.
    return directory if os.path.isabs(directory) else None


def load(source: str, parse: Callable[[str], Graph] | None = None) -> Graph:
    """The graph of ``source``: from the cache if a valid entry is there, else ``parse(source)``, cached.

    ``parse`` defaults to the project's parser, imported (with Lark) only on a miss.
    """
    with _Store.open(source) as store:
        if store is not None:
            graph = store.get(source)
            if graph is not None:
                return graph
        if parse is None:
            from .parse import parse as parse_program

            parse = parse_program
        graph = parse(source)
        if store is not None:
            store.put(source, graph)
        return graph


class _Store:
    """An open cache directory (a file descriptor: no path is looked up twice) and its key."""

    def __init__(self, fd: int, key: bytes) -> None:
        self.fd = fd
        self.key = key
        self.uid = os.getuid()

    @classmethod
    @contextlib.contextmanager
    def open(cls, source: str) -> Iterator[_Store | None]:
        directory = cache_dir() if len(source) <= MAX_SOURCE else None
        fd = _open_private_dir(directory) if directory is not None and _SUPPORTED else None
        if fd is None:
            yield None
            return
        try:
            key = _key(fd)
            yield cls(fd, key) if key is not None else None
        finally:
            os.close(fd)

    def _name(self, source: str) -> str:
        data = source.encode("utf-8", "surrogatepass")
        return blake2b(data, digest_size=20, key=self.key, person=b"entry name").hexdigest() + SUFFIX

    def _tag(self, body: bytes) -> bytes:
        return tag(self.key, body)

    def get(self, source: str) -> Graph | None:
        """The cached graph of ``source``, or None (absent, stale, forged, malformed: a miss)."""
        try:
            raw = _read(self.fd, self._name(source), MAX_ENTRY)
            if raw is None or not raw.startswith(MAGIC):
                return None
            tag, body = raw[len(MAGIC) : len(MAGIC) + TAG_BYTES], raw[len(MAGIC) + TAG_BYTES :]
            if not compare_digest(tag, self._tag(body)):
                return None
            entry = marshal.loads(body)
            if type(entry) is not tuple or len(entry) != 3 or entry[0] != _stamp() or entry[1] != source:
                return None
            return graph_from_data(entry[2], source)
        except Exception:  # noqa: BLE001 - whatever is wrong with an entry, it is only a miss
            return None

    def put(self, source: str, graph: Graph) -> None:
        """Store the graph of ``source`` (best effort: a failure leaves the cache as it was)."""
        try:
            entry: Any = (_stamp(), source, graph.to_data())  # builtins only: marshal writes them
            body = marshal.dumps(entry)
            if len(MAGIC) + TAG_BYTES + len(body) > MAX_ENTRY:
                return
            _write(self.fd, self._name(source), MAGIC + self._tag(body) + body)
            self._trim()
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
            return

    def _trim(self) -> None:
        """Past MAX_ENTRIES entries, delete the older half: only files that carry the signature."""
        with os.scandir(self.fd) as it:
            files = [e for e in it if e.name.endswith(SUFFIX) and e.is_file(follow_symlinks=False)]
        if len(files) <= MAX_ENTRIES:
            return
        ours = [e for e in files if _read(self.fd, e.name, MAX_ENTRY, head=len(MAGIC)) == MAGIC]
        if len(ours) <= MAX_ENTRIES:
            return
        ours.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime)
        for entry in ours[: len(ours) // 2]:
            with contextlib.suppress(OSError):
                os.unlink(entry.name, dir_fd=self.fd)


def tag(key: bytes, body: bytes) -> bytes:
    """An entry's authentication tag: keyed BLAKE2b (a MAC, as HMAC-SHA256 is) over the signature
    and the body."""
    return blake2b(MAGIC + body, digest_size=TAG_BYTES, key=key, person=b"entry").digest()


_SUPPORTED = (
    hasattr(os, "getuid")
    and hasattr(os, "O_NOFOLLOW")
    and {os.open, os.unlink, os.link, os.rename, os.stat} <= os.supports_dir_fd  # os.replace is rename(2) too
    and os.scandir in os.supports_fd
)
"""The cache needs POSIX file descriptors for directories; elsewhere there is no cache."""


def _open_private_dir(path: str) -> int | None:
    """A descriptor of ``path`` (created 0700), if it is a real directory of ours nobody else can write."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022:
        return fd
    os.close(fd)
    return None


def _read(dir_fd: int, name: str, limit: int, head: int | None = None) -> bytes | None:
    """The bytes of a regular file of ours of at most ``limit`` bytes (its first ``head`` bytes), or None."""
    try:
        fd = os.open(name, _OPEN, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_size > limit:
            return None
        want = limit + 1 if head is None else head
        chunks, size = [], 0
        while size < want:
            chunk = os.read(fd, want - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return None if len(data) > limit else data
    finally:
        os.close(fd)


def _write(dir_fd: int, name: str, data: bytes) -> None:
    """Write a fresh file (0600, a random name, never an existing file or link), then rename it to ``name``.

    ``tempfile.mkstemp`` does the same but takes a path, not a directory descriptor.
    """
    tmp = f".tmp-{os.urandom(8).hex()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # atomic: readers see old or new
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def _key(dir_fd: int) -> bytes | None:
    """The per-user secret (created on first use), if it is a private regular file of ours."""
    for _ in range(2):
        try:
            fd = os.open(KEY_FILE, _OPEN, dir_fd=dir_fd)
        except FileNotFoundError:
            _create_key(dir_fd)
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            private = stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077
            key = os.read(fd, KEY_BYTES + 1) if private else b""
        finally:
            os.close(fd)
        return key if len(key) == KEY_BYTES else None
    return None


def _create_key(dir_fd: int) -> None:
    """Publish a new random key with link(), which never replaces a key another run made meanwhile."""
    tmp = f".key-{os.urandom(8).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
    try:
        os.write(fd, os.urandom(KEY_BYTES))
        os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, KEY_FILE, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)


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


def _op(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    return type(value) is str and value in OPS


def _args(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    op = OPS.get(columns["ops"][i])
    return (
        type(value) is tuple
        and op is not None
        and (len(value) == op.arity or (op.axis and len(value) == op.arity + 1))  # sum(A, axis=k)
        and all(type(j) is int and 0 <= j < i for j in value)
    )


def _name(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    return value is None or (type(value) is str and value.isidentifier())


def _const(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    """None, or on a leaf a finite float or an array literal: nested tuples of finite floats."""
    if value is None:
        return True
    if columns["args"][i]:
        return False
    pending = [value]
    while pending:  # no recursion, however deep the nesting
        item = pending.pop()
        if type(item) is tuple and item:
            pending.extend(item)
        elif type(item) is not float or not math.isfinite(item):
            return False
    return True


def _span(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    return (
        type(value) is tuple
        and len(value) == 2
        and all(type(k) is int for k in value)
        and 0 <= value[0] <= value[1] <= len(columns["source"][0])
    )


def _label(value: object, i: int, columns: dict[str, list[Any]]) -> bool:
    return type(value) is str and value != "" and value.isprintable()


_VALID: dict[str, Callable[[object, int, dict[str, list[Any]]], bool]] = {
    "ops": _op,
    "args": _args,
    "names": _name,
    "consts": _const,
    "spans": _span,
    "labels": _label,
}
"""What a valid value of each of the graph's columns (``graph.COLUMNS``) is, for node ``i``. A column
added to the graph without a rule here makes every entry a miss (and a test fail)."""


def graph_from_data(data: object, source: str) -> Graph | None:
    """The graph of :meth:`Graph.to_data`'s tuple, or None unless every field is well-formed.

    The one place that knows what a valid graph is: the columns of ``graph.COLUMNS``, of equal
    lengths, each value checked by its rule in ``_VALID`` (known ops with their arity, arguments
    before their node, exact types, finite constants, spans inside the source, printable names and
    labels), and printable warnings.
    """
    if type(data) is not tuple or len(data) != 3:
        return None
    text, warnings, columns = data
    if text != source or type(columns) is not dict or set(columns) != set(COLUMNS) or set(_VALID) != set(COLUMNS):
        return None
    if type(warnings) is not list or not all(type(w) is str and w.isprintable() for w in warnings):
        return None
    if not all(type(c) is list for c in columns.values()):
        return None
    n = len(columns["ops"])
    if n == 0 or any(len(c) != n for c in columns.values()) or len(set(columns["labels"])) != n:
        return None
    context = {**columns, "source": [source]}
    for name, valid in _VALID.items():
        column = columns[name]
        if not all(valid(column[i], i, context) for i in range(n)):
            return None
    graph = Graph.from_data(data)
    # A leaf is an input exactly when it has no constant value (what the forward pass relies on).
    args, consts, names = columns["args"], columns["consts"], columns["names"]
    leaves = {i for i in range(n) if not args[i] and consts[i] is None}
    if leaves != set(graph.inputs.values()) or len(graph.inputs) != len(leaves) or not all(names[i] for i in leaves):
        return None
    return graph
