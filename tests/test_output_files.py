"""Every command that writes a file (batch, export, graph --output, --svg, html) fails the same way when
the file cannot be written: exit 2 and the reason in words (a directory, a missing directory, no
permission), exit 74 for a disk that cannot hold it; never an internal error, never a partial file."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_cli import cache
from backprop_cli.errors import EXIT_OUTPUT
from conftest import ok, run

WRITERS = {
    "batch": ["batch", "x*2", "{input}", "--output", "{out}.csv"],
    "export": ["export", "x*2", "--to", "python", "--output", "{out}.py"],
    "graph": ["graph", "x*2", "-x", "1", "--output", "{out}.dot"],
    "svg": ["eval", "x*2", "-x", "1", "--svg", "{out}.svg"],
    "html": ["html", "x*2", "-x", "1", "--output", "{out}.html"],
}


def _args(name: str, tmp_path: Path, out: Path) -> list[str]:
    source = tmp_path / "in.csv"
    source.write_text("x\n" + "".join(f"{i}\n" for i in range(20000)))
    return [word.format(input=source, out=out) for word in WRITERS[name]]


def _target(args: list[str]) -> str:
    return next(
        word for word in args if word.endswith((".csv", ".py", ".dot", ".svg", ".html")) and "in.csv" not in word
    )


@pytest.mark.parametrize("name", WRITERS)
def test_an_output_that_is_a_directory_is_a_file_error(name: str, tmp_path: Path) -> None:
    args = _args(name, tmp_path, tmp_path / "out")
    Path(_target(args)).mkdir()
    result = run(*args)
    assert (result.code, result.stderr) == (2, f"error: cannot write {_target(args)}: it is a directory\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", Path(_target(args)).name])


@pytest.mark.parametrize("name", WRITERS)
def test_an_output_in_a_missing_directory_names_the_directory(name: str, tmp_path: Path) -> None:
    args = _args(name, tmp_path, tmp_path / "no" / "out")
    result = run(*args)
    expected = f"error: cannot write {_target(args)}: the directory {tmp_path / 'no'} does not exist\n"
    assert (result.code, result.stderr) == (2, expected)


@pytest.mark.parametrize("name", WRITERS)
def test_an_output_under_a_file_says_the_path_is_not_a_directory(name: str, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    args = _args(name, tmp_path, tmp_path / "plain" / "out")
    result = run(*args)
    expected = f"error: cannot write {_target(args)}: a part of its path is not a directory\n"
    assert (result.code, result.stderr) == (2, expected)


@pytest.mark.parametrize("name", WRITERS)
def test_an_output_without_permission_says_so(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(os.open refuses as it does for a user in a read-only directory: the tests may run as root.)"""
    real_open = os.open

    def refuse(path: str, *args: object, **kwargs: object) -> int:
        if str(path).endswith(".partial"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("backprop_cli.files.os.open", refuse)
    args = _args(name, tmp_path, tmp_path / "out")
    result = run(*args)
    assert (result.code, result.stderr) == (2, f"error: cannot write {_target(args)}: permission denied\n")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write(2) fails with EFBIG instead of killing us


@pytest.mark.parametrize("name", WRITERS)
def test_an_output_the_disk_cannot_hold_is_exit_74(name: str, tmp_path: Path) -> None:
    """Before: batch ended in an internal error (polars' own OSError), the others in exit 2."""
    args = _args(name, tmp_path, tmp_path / "out")
    if name != "batch":  # a program whose file is larger than the limit (7 kB as Python, up to 150 kB as SVG)
        args[1] = "+".join(f"x{i}*x" for i in range(30))
        args[2:2] = [word for i in range(30) for word in (f"-x{i}", "1")] if name != "export" else []
    cache.load(args[1])  # parsed and cached here, in the test's cache: the process's subject is the write
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli", *args],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limit_file_size,
        cwd=tmp_path,
        timeout=120,
    )
    expected = f"error: cannot write {_target(args)}: the file is too large\n"
    assert (result.returncode, result.stderr) == (EXIT_OUTPUT, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no partial file left


def test_a_symbolic_link_is_followed_and_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "target.py"
    target.write_text("old")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    ok("export", "x*2", "--to", "python", "--output", str(link))
    assert link.is_symlink() and "def " in target.read_text()
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    ok("export", "x*2", "--to", "python", "--output", str(fifo))
    assert "def " in reader.communicate(timeout=30)[0].decode()
    assert fifo.is_fifo()  # the pipe itself, not replaced by a file
