"""Output files (``--output``, ``--svg``): written whole or not at all, and their failures in words.

Every command that writes a file goes through :func:`written` (or :func:`write_file`), so a directory,
a missing directory, a file without permission or a full disk reads the same everywhere: a
:class:`~backprop_cli.errors.FileError` (exit 2) naming the file and the reason, or, for a disk that
could not hold it, exit 74 as for standard output.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from .errors import FileError, OutputFileError
from .streams import REASONS

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
"""A disk that could not hold or take the file: exit 74, as when standard output fails so."""
_REASONS = {
    errno.EISDIR: "it is a directory",
    errno.ENOTDIR: "a part of its path is not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
}


def cannot_write(path: str, exc: OSError) -> FileError:
    """The error for ``path`` that could not be written, its reason in words."""
    if exc.errno in _DISK:
        return OutputFileError(f"cannot write {path}: {REASONS[exc.errno]}")
    if exc.errno == errno.ENOENT:
        reason = f"the directory {os.path.dirname(path) or '.'} does not exist"
    else:
        reason = _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    return FileError(f"cannot write {path}: {reason}")


def write_file(path: str, data: bytes) -> None:
    """``data`` to ``path`` (see :func:`written`)."""
    with written(path) as stream:
        stream.write(data)


@contextlib.contextmanager
def written(path: str) -> Iterator[BinaryIO]:
    """A stream to a temporary file beside ``path`` that replaces it only when the body succeeds.

    A path that is a device or a pipe (``/dev/null``, ``>(...)``) is written directly: it is never
    replaced. A symbolic link is followed: its target is replaced, not the link.
    """
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except OSError:
        mode = 0
    if stat.S_ISDIR(mode):  # before the work, not after it
        raise cannot_write(path, IsADirectoryError(errno.EISDIR, "Is a directory"))
    if mode and not stat.S_ISREG(mode):
        with _worded(path):
            raw = _File(path, target)
        with _stream(raw) as stream:
            yield stream
        return
    # Ctrl-C raises KeyboardInterrupt here rather than exiting at once (see entry.py), so that the
    # partial file is removed on the way out. That holds from before the file exists, and its name is
    # chosen before it is made: a Ctrl-C at any moment finds the name known to the cleanup.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    temp: str | None = None
    try:
        fd = -1
        while fd < 0:
            temp = os.path.join(os.path.dirname(target), _partial_name(target))
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            except FileExistsError:  # another run's (1 in 2**64): not ours to remove
                temp = None
            except OSError as exc:
                temp = None
                raise cannot_write(path, exc) from None
        with _stream(_File(path, fd)) as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        assert temp is not None
        with _worded(path):
            os.chmod(temp, 0o666 & ~umask)
            os.replace(temp, target)  # fails if FILE became a directory or read-only while we wrote
    finally:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        signal.signal(signal.SIGINT, handler)


class _File(io.FileIO):
    """The output file, whose failed writes raise :func:`cannot_write`'s error and keep it in ``error``.

    It has no ``fileno``: polars would write to the descriptor itself, and its failures would come back
    as an ``OSError`` without ``errno``; through :meth:`write`, they are known to be this file's.
    """

    def __init__(self, path: str, file: str | int) -> None:
        super().__init__(file, "wb")
        self.path = path
        self.error: FileError | None = None

    def fileno(self) -> int:
        raise io.UnsupportedOperation("written through write() only")

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            self.error = cannot_write(self.path, exc)
            raise self.error from None


@contextlib.contextmanager
def _stream(raw: _File) -> Iterator[BinaryIO]:
    """``raw`` buffered; an exception that a library made of its failed write (polars: ``OSError``) is
    raised as the file's error."""
    try:
        with io.BufferedWriter(raw) as stream:
            yield stream
    except Exception:
        if raw.error is not None:
            raise raw.error from None
        raise


@contextlib.contextmanager
def _worded(path: str) -> Iterator[None]:
    """An ``OSError`` of the output file (a write, a flush, the rename) as :func:`cannot_write`'s error."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(path, exc) from None


def _partial_name(path: str) -> str:
    """``.out.csv.<random>.partial``: the output while it is written, hidden beside it."""
    return f".{os.path.basename(path)}.{os.urandom(8).hex()}.partial"
