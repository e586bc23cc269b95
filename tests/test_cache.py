"""The cache of parsed programs, with real files in a temporary directory: it hits, it cannot be made
to run code, to change an answer, to raise, to hang, to write through links or to delete other files."""

from __future__ import annotations

import marshal
import os
import pickle
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from backprop_cli import cache
from backprop_cli.cache import MAGIC, graph_from_data
from backprop_cli.graph import Graph
from backprop_cli.parse import _tables, parse
from conftest import ok, run

SOURCE = "x*2"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("BACKPROP_CACHE_DIR", str(directory))
    return directory


class Counting:
    """A parser that counts its calls: a cache hit does not call it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, source: str) -> Graph:
        self.calls += 1
        return parse(source)


def same(a: Graph, b: Graph) -> bool:
    return a.to_data() == b.to_data()


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.graph"))


def key(directory: Path) -> bytes:
    return (directory / "key").read_bytes()


def sign(directory: Path, body: bytes) -> bytes:
    """A correctly signed entry with this body (what only the user's own backprop can write)."""
    return MAGIC + cache.tag(key(directory), body) + body


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail instead of hanging (a FIFO opened for reading blocks until a writer comes)."""

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the cache hung")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_a_second_load_is_a_hit_with_its_warnings(cache_dir: Path) -> None:
    parser = Counting()
    first = cache.load("q = 1; x*2", parser)
    second = cache.load("q = 1; x*2", parser)
    assert parser.calls == 1
    assert same(first, second)
    assert second.warnings == ["'q' is assigned but not used by the output (the last statement)"]


def test_the_cache_directory_and_key_are_private(cache_dir: Path) -> None:
    cache.load(SOURCE, parse)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache_dir / "key").stat().st_mode) == 0o600
    assert len(key(cache_dir)) == cache.KEY_BYTES
    [entry] = entries(cache_dir)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert entry.read_bytes().startswith(MAGIC)
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_changing_any_byte_of_an_entry_is_a_miss_never_another_answer(cache_dir: Path) -> None:
    """Issue 7: one changed byte made `eval "x*2" -x 5` print 15."""
    expected = parse(SOURCE)
    cache.load(SOURCE, parse)
    [entry] = entries(cache_dir)
    good = entry.read_bytes()
    for i in range(len(good)):
        flip = 0x01 if i % 2 else 0x80
        entry.write_bytes(good[:i] + bytes([good[i] ^ flip]) + good[i + 1 :])
        parser = Counting()
        assert same(cache.load(SOURCE, parser), expected)
        assert parser.calls == 1, f"byte {i} ^ {flip:#x} was accepted"
    result = ok("eval", SOURCE, "-x", "5", "--json").json()
    assert (result["value"], result["gradients"]) == (10, {"x": 2})


def _malformed() -> Iterator[tuple[str, Any]]:
    """Well-signed entries whose graph breaks a rule of Graph: validation must refuse each."""
    source, warnings, columns = parse(SOURCE).to_data()  # x*2: var, const, mul
    assert isinstance(columns, dict)

    def changed(column: str, value: Any) -> Any:
        return (source, warnings, {**columns, column: value})

    yield "not a tuple", [source, warnings, columns]
    yield "too short", (source, warnings)
    yield "columns not a dict", (source, warnings, list(columns.values()))
    yield "a column missing", (source, warnings, {k: v for k, v in columns.items() if k != "labels"})
    yield "an unknown column", (source, warnings, {**columns, "shapes": [None] * 3})
    yield "unknown op", changed("ops", ["var", "const", "system"])
    yield "op not a str", changed("ops", ["var", "const", 3])
    yield "arity", changed("args", [(), (), (0,)])
    yield "forward reference", changed("args", [(), (), (0, 2)])
    yield "negative index", changed("args", [(), (), (-1, 1)])
    yield "bool index", changed("args", [(), (), (False, True)])
    yield "args as list", changed("args", [(), (), [0, 1]])
    yield "lengths differ", changed("names", ["x", None])
    yield "empty graph", (source, warnings, {k: [] for k in columns})
    yield "escape in a name", changed("names", ["x\x1b[2J", None, None])
    yield "escape in a label", changed("labels", ["x", "c1", "f\x1b[31m"])
    yield "escape in a warning", (source, ["all good\x1b[2J"], columns)
    yield "non-finite constant", changed("consts", [None, float("nan"), None])
    yield "non-finite array constant", changed("consts", [None, ((1.0, 2.0), (3.0, float("inf"))), None])
    yield "empty array constant", changed("consts", [None, ((),), None])
    yield "list as array constant", changed("consts", [None, [1.0, 2.0], None])
    yield "int constant", changed("consts", [None, 2, None])
    yield "constant on an operation", changed("consts", [None, 2.0, 3.0])
    yield "span outside the source", changed("spans", [(0, 1), (2, 3), (0, 99)])
    yield "span reversed", changed("spans", [(0, 1), (2, 3), (3, 0)])
    yield "duplicate labels", changed("labels", ["x", "x", "f"])
    yield "input without a name", changed("names", [None, None, None])
    yield "other source", ("x*3", warnings, columns)


@pytest.mark.parametrize(("what", "data"), list(_malformed()), ids=[w for w, _ in _malformed()])
def test_a_signed_but_malformed_entry_is_a_miss(cache_dir: Path, what: str, data: Any) -> None:
    """Issue 7: a stamped entry with malformed data ended in exit 70 or put escapes in warnings."""
    assert graph_from_data(data, SOURCE) is None, what
    cache.load(SOURCE, parse)
    [entry] = entries(cache_dir)
    body: Any = (cache._stamp(), SOURCE, data)
    entry.write_bytes(sign(cache_dir, marshal.dumps(body)))
    parser = Counting()
    assert same(cache.load(SOURCE, parser), parse(SOURCE))
    assert parser.calls == 1
    result = run("eval", SOURCE, "-x", "5")
    assert result.code == 0, result
    assert "\x1b" not in result.stdout + result.stderr
    assert "10" in result.stdout


def test_validation_accepts_every_real_graph() -> None:
    sources = ["x*2", "q = x + y\nf = q * z", "sigmoid(w*x + b) + pi", "a = 1; b = x; b^2", "max(x, 3) - -x"]
    sources += ["D = W @ X; f = sum(D)", "sum([[1, 2], [3, 4]] * W)", "softmax(v, axis=0)[y]", "sum(A.T, 1) @ b"]
    for source in sources:
        data = parse(source).to_data()
        graph = graph_from_data(data, source)
        assert graph is not None and graph.to_data() == data, source


MARKER = "pwned-by-the-cache"


class Payload:
    """Unpickling this creates a marker file: proof that a pickle was loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return (open, (self.path, "w"))


def _give_away(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    os.chown(path, 65534, -1)


def hostile_files(tmp_path: Path, victim: Path) -> Iterator[tuple[str, Callable[[Path], object]]]:
    """Ways to plant a file at an entry's place: each must be a plain miss."""
    marker = str(tmp_path / MARKER)
    other: Any = (cache._stamp(), SOURCE, parse("x*3").to_data())
    real = marshal.dumps(other)

    def data(content: bytes) -> Callable[[Path], object]:
        return lambda path: path.write_bytes(content)

    yield "empty", data(b"")
    yield "five bytes that make marshal allocate 16 GB", data(b"[\xff\xff\xff\x7f")
    yield "the signature only", data(MAGIC)
    yield "unsigned graph of another program", data(MAGIC + b"\0" * 32 + real)
    yield "pickle", data(pickle.dumps(Payload(marker)))
    yield "signature and a pickle", data(MAGIC + b"\0" * 32 + pickle.dumps(Payload(marker)))
    yield "the old format", data(marshal.dumps(other))
    yield "random bytes", data(os.urandom(4096))
    yield "a text file", data(b"hello\n" * 100)
    yield "too large", lambda path: path.write_bytes(MAGIC + b"\0" * (cache.MAX_ENTRY + 1))
    yield "sparse and huge", lambda path: os.truncate(path.write_bytes(MAGIC) and path, 1 << 34)
    yield "a FIFO", os.mkfifo
    yield "a directory", lambda path: path.mkdir()
    yield "a symlink to a signed entry", lambda path: path.symlink_to(victim)
    yield "a dangling symlink", lambda path: path.symlink_to(tmp_path / "nowhere")
    yield "a symlink to /dev/zero", lambda path: path.symlink_to("/dev/zero")
    if os.getuid() == 0:
        yield "another user's file", lambda path: _give_away(path, victim.read_bytes())


def test_hostile_cache_files_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hang: None) -> None:
    """Issue 7: none of these may change an answer, raise, hang or run code."""
    expected = parse(SOURCE)
    names: list[str] = []
    for what, plant in hostile_files(tmp_path, tmp_path / "victim"):
        directory = tmp_path / f"cache-{len(names)}"
        names.append(what)
        monkeypatch.setenv("BACKPROP_CACHE_DIR", str(directory))
        cache.load("x*3", parse)  # the key, and a real signed entry of another program as the victim
        [other] = entries(directory)
        (tmp_path / "victim").write_bytes(other.read_bytes())
        cache.load(SOURCE, parse)
        [entry, *_] = [p for p in entries(directory) if p != other]
        entry.unlink()
        plant(entry)
        for _ in range(2):  # the miss rewrites the entry; the second load may hit
            parser = Counting()
            assert same(cache.load(SOURCE, parser), expected), what
        result = run("eval", SOURCE, "-x", "5", "--json")
        assert result.code == 0, f"{what}: {result}"
        assert (result.json()["value"], result.json()["gradients"]) == (10, {"x": 2}), what
        assert not (tmp_path / MARKER).exists(), f"{what}: code ran"
    assert len(names) >= 16


def test_lark_grammar_caches_are_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 7 item 1: a planted grammar.lark-cache ran code; the parser now reads only shipped JSON."""
    marker = tmp_path / MARKER
    poison = b"0" * 64 + b"\n" + pickle.dumps(Payload(str(marker)))
    home = tmp_path / "checkout"
    for directory in [tmp_path / "cache", home / "~" / ".cache" / "backprop-cli", home / ".cache" / "backprop-cli"]:
        directory.mkdir(parents=True, mode=0o700)
        (directory / "grammar.lark-cache").write_bytes(poison)
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "BACKPROP_CACHE_DIR", "XDG_CACHE_HOME")}
    for extra in [
        {"BACKPROP_CACHE_DIR": str(tmp_path / "cache")},
        {"HOME": "~"},
        {"HOME": "relative"},
        {"HOME": str(home)},
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "backprop_cli", "eval", "x*2", "-x", "5", "--json"],
            cwd=home,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert not marker.exists(), extra


def test_without_an_absolute_home_there_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 7 item 1: HOME unset or relative made the cache ./~/.cache/backprop-cli in the checkout."""
    monkeypatch.delenv("BACKPROP_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    for home in ["~", "relative/home", ""]:
        monkeypatch.setenv("HOME", home)
        monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # what a uid without a passwd entry gets
        assert cache.cache_dir() is None
        ok("eval", SOURCE, "-x", "5")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    assert cache.cache_dir() is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", ["group-writable", "a symlink", "another user's", "a file"])
def test_a_cache_directory_others_could_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    directory = tmp_path / "cache"
    if how == "group-writable":
        directory.mkdir()
        directory.chmod(0o777)
    elif how == "a symlink":
        directory.symlink_to(real)
    elif how == "a file":
        directory.write_text("not a directory")
    else:
        if os.getuid() != 0:
            pytest.skip("only root can give a directory to another user")
        directory.mkdir(mode=0o700)
        os.chown(directory, 65534, -1)
    monkeypatch.setenv("BACKPROP_CACHE_DIR", str(directory))
    parser = Counting()
    for _ in range(2):
        assert same(cache.load(SOURCE, parser), parse(SOURCE))
    assert parser.calls == 2
    assert list(real.iterdir()) == []
    if directory.is_dir() and not directory.is_symlink():
        assert list(directory.iterdir()) == []


@pytest.mark.parametrize("how", ["readable by others", "a symlink", "too short", "a FIFO"])
def test_a_key_that_is_not_private_disables_the_cache(cache_dir: Path, how: str, no_hang: None) -> None:
    cache_dir.mkdir(mode=0o700)
    target = cache_dir.parent / "elsewhere"
    target.write_bytes(b"k" * cache.KEY_BYTES)
    key_file = cache_dir / "key"
    if how == "readable by others":
        key_file.write_bytes(b"k" * cache.KEY_BYTES)
        key_file.chmod(0o644)
    elif how == "a symlink":
        key_file.symlink_to(target)
    elif how == "a FIFO":
        os.mkfifo(key_file)
    else:
        key_file.write_bytes(b"short")
        key_file.chmod(0o600)
    parser = Counting()
    for _ in range(2):
        assert same(cache.load(SOURCE, parser), parse(SOURCE))
    assert parser.calls == 2
    assert entries(cache_dir) == []
    assert target.read_bytes() == b"k" * cache.KEY_BYTES


def test_symlinks_in_the_cache_are_not_written_through(cache_dir: Path) -> None:
    """Issue 7 item 3: a symlink at an entry's name made the tool overwrite the file it points to."""
    cache.load("x*3", parse)
    [entry] = entries(cache_dir)
    victim = cache_dir.parent / "victim.txt"
    victim.write_text("precious")
    entry.unlink()
    entry.symlink_to(victim)
    for name in ["grammar.lark-cache", f"{entry.name}.{os.getpid()}.tmp"]:
        (cache_dir / name).symlink_to(victim)
    parser = Counting()
    cache.load("x*3", parser)
    assert cache.load("x*3", parser) is not None
    assert parser.calls == 1  # the link was replaced by a real entry, which then hits
    assert victim.read_text() == "precious"
    assert not entry.is_symlink()


def test_trimming_deletes_only_the_caches_own_files(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 7 item 3: trimming deleted 503 of a user's 1,005 own *.graph files."""
    monkeypatch.setattr(cache, "MAX_ENTRIES", 4)
    cache_dir.mkdir(mode=0o700)
    mine = []
    for i in range(10):
        path = cache_dir / f"{i:040x}.graph"
        path.write_text(f"the user's own graph {i}")
        os.utime(path, (1, 1))  # older than any entry
        mine.append(path)
    for i in range(8):
        cache.load(f"x*{i}", parse)
    assert all(path.exists() for path in mine)
    ours = [p for p in entries(cache_dir) if p.read_bytes().startswith(MAGIC)]
    assert 0 < len(ours) <= 4  # trimming did run on the cache's own entries


def test_trimming_keeps_the_cache_bounded(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 10)
    for i in range(30):
        cache.load(f"x+{i}", parse)
    assert len(entries(cache_dir)) <= 10


def test_no_cache_turns_off_only_the_program_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11 item 5: BACKPROP_NO_CACHE=1 also turned off Lark's grammar cache."""
    import lark

    monkeypatch.setenv("BACKPROP_NO_CACHE", "1")
    parser = Counting()
    cache.load(SOURCE, parser)
    cache.load(SOURCE, parser)
    assert parser.calls == 2
    assert not cache_dir.exists()
    monkeypatch.setattr(lark.Lark, "__init__", None)  # building a parser from the grammar would fail
    _tables.cache_clear()  # so that this run reads the tables again
    assert ok("eval", SOURCE, "-x", "5", "--json").json()["value"] == 10
    monkeypatch.setenv("BACKPROP_NO_CACHE", "0")
    cache.load(SOURCE, parser)
    cache.load(SOURCE, parser)
    assert parser.calls == 3


def test_long_programs_are_not_cached(cache_dir: Path) -> None:
    """What counts is the text's length (cache.MAX_SOURCE characters): a program made long by a
    comment proves it without parsing 32,769 terms twice (0.3 s)."""
    source = "x + 1  # " + "a" * cache.MAX_SOURCE
    assert len(source) > cache.MAX_SOURCE
    parser = Counting()
    cache.load(source, parser)
    cache.load(source, parser)
    assert parser.calls == 2
    assert entries(cache_dir) == []


def test_concurrent_runs_agree(cache_dir: Path) -> None:
    """Many processes creating the key and the entries at once: every answer right."""
    command = [sys.executable, "-m", "backprop_cli", "eval", "x*y + 2", "-x", "3", "-y", "4", "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    for process in runs:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert '"value": 14' in out
    assert len(entries(cache_dir)) == 1
