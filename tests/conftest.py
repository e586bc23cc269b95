"""Shared helpers: an isolated cache for every test, and a CLI runner that shows what went wrong."""

from __future__ import annotations

import os

# Hypothesis runs every "hypothesis" entry point when it is imported: trio's (a dependency of
# selenium, for trio's own tests) imports trio and ssl, ~0.3 s of CPU in every pytest process. No
# test here uses trio. Set before anything imports Hypothesis.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

import functools
import gc
import itertools
import json
import math
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st

from backprop_cli.cli import cli
from backprop_cli.engine import Evaluation, evaluate
from backprop_cli.ops import Op
from backprop_cli.parse import parse
from browser import driver  # noqa: F401  (the fixture, defined once: one Chromium per worker process)

NEURON_GRADS = {
    "w0": -0.196611933241,
    "x0": 0.393223866483,
    "w1": -0.393223866483,
    "x1": -0.589835799724,
    "w2": 0.196611933241,
}
"""∂f/∂input of the sigmoid neuron in worked-examples.md (12 significant digits)."""

# Candidate points, on both sides of every kink; each op is tested at those inside its domain (where
# its forward function is defined), so a new op needs no list of its own.
CANDIDATES: dict[int, list[tuple[float, ...]]] = {
    1: [(0.3,), (1.7,), (0.9,), (2.5,), (-0.6,), (-1.3,), (0.55,)],
    2: [(0.7, 1.3), (2.1, 0.4), (1.5, 2.5), (0.2, 3.0), (-0.8, 0.1), (-1.6, 2.3)],
    3: [
        (0.7, 1.3, 0.4),
        (-2.1, 0.4, 1.1),
        (1.5, 2.5, -0.5),
        (-0.2, 3.0, 0.1),
        (0.7, 0.4, 1.3),
        (1.5, -0.5, 1.1),
        (-0.3, -1.2, 0.8),
    ],
}


def domain(op: Op) -> list[tuple[float, ...]]:
    """The candidate points where ``op`` is defined (at least four, and on both sides of a kink)."""
    inside = []
    for xs in CANDIDATES[op.arity]:
        try:
            out = op.forward(*xs)
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(out):
            inside.append(xs)
    return inside


def pytest_configure(config: pytest.Config) -> None:
    """The processes the tests start find backprop compiled, as an installed copy is (pip compiles it).
    Where PYTHONDONTWRITEBYTECODE is set, as on this machine, no run writes the bytecode, and each of
    those processes compiled every module of backprop it imported: 40-100 ms of CPU each, more than
    backprop's whole start-up. Compiled once here; an up-to-date file is left as it is."""
    import compileall

    import backprop_cli

    # The copy the tests import, and the source tree's (`python -m backprop_cli` from the repository).
    for package in {Path(backprop_cli.__file__).parent, Path(__file__).resolve().parent.parent / "backprop_cli"}:
        compileall.compile_dir(package, quiet=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``-n 2``, the README's test command) the longest work starts first: the slow
    tests, then the browser's (each worker starts its own Chromium for them, once), so that the two
    workers finish together instead of one waiting for the other's last long test. xdist hands out the
    tests in the order its workers collected them; a worker's ``config.option.dist`` reads "no", so
    being a worker is told by ``workerinput``."""
    if hasattr(config, "workerinput"):
        browser = {item for item in items if "driver" in getattr(item, "fixturenames", ())}
        items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1 if item in browser else 2)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> object:
    """pytest keeps each test module's assert-rewritten code in __pycache__, so that the next run (and
    each xdist worker) imports it instead of rewriting and compiling ~50 modules again (~3 s of CPU
    per process). Where PYTHONDONTWRITEBYTECODE is set, as on this machine, it writes none; here it
    may, while the test modules (and what they import) are collected."""
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, False
    try:
        return (yield)
    finally:
        sys.dont_write_bytecode = saved


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection leaves (the modules, SymPy's and NumPy's among them, the test items) lives to
    the end of the run: frozen, the garbage collector's full passes no longer walk it each time
    (about 0.1 s of CPU every few hundred tests; gc.freeze keeps it out of all collections)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def _caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Iterator[Path]]:
    """Where the tests' caches go: on the memory file system where there is one (Linux's /dev/shm),
    removed at the end of the run. Each command a test runs makes a cache directory, a key and an
    entry (cache.py), and pytest would later delete them: on this machine's disk those ~5 files per
    test cost ~10 times the CPU they do in memory. The cache's own tests (test_cache.py) keep theirs
    in tmp_path, on the disk users have."""
    memory = Path("/dev/shm")
    if not (memory.is_dir() and os.access(memory, os.W_OK | os.X_OK)):
        root = tmp_path_factory.mktemp("caches")
        yield (root / str(n) for n in itertools.count())
        return
    root = Path(tempfile.mkdtemp(prefix="backprop-tests-", dir=memory))
    try:
        yield (root / str(n) for n in itertools.count())
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_cache(_caches: Iterator[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache directory of the test's own, not yet made: backprop makes it (0700) on its first run,
    so that a test that runs no command makes no directory (pytest's mktemp also listed all those
    made so far, each time)."""
    monkeypatch.setenv("BACKPROP_CACHE_DIR", str(next(_caches)))
    monkeypatch.delenv("NO_COLOR", raising=False)


@dataclass
class Run:
    """The outcome of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schema"


@functools.cache
def _schemas() -> dict[str, Any]:
    """Every published schema by file stem."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMAS.glob("*.json")}


@functools.cache
def _schema(name: str, keep: frozenset[str] | None) -> dict[str, Any]:
    """The schema ``name``; with ``keep`` (--fields), only those of its required keys."""
    schema: dict[str, Any] = _schemas()[name]
    if keep is not None:
        branches = [{**b, "required": [k for k in b["required"] if k in keep]} for b in schema["anyOf"]]
        schema = {**schema, "anyOf": branches}
    return schema


@functools.cache
def _validator(name: str, keep: frozenset[str] | None) -> Any:
    """jsonschema-rs's validator of the schema (Draft 2020-12, the ``$ref``s resolved among the
    published schemas): built once, ~5 µs a document where Python's jsonschema takes 1-3 ms."""
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(s["$id"], s) for s in _schemas().values()])
    return jsonschema_rs.Draft202012Validator(_schema(name, keep), registry=registry)


def validate_json(command: str, data: Any, fields: Sequence[str] | None = None) -> None:
    """Check a JSON output against its published schema: docs/schema/<command>.json, or error.json.

    With ``--fields``, the keys required are the envelope's and the fields asked for (those the
    evaluation has: ``steps`` only with --steps). A document that fails is validated again by
    Python's jsonschema, whose error says which key is wrong and why."""
    schemas = _schemas()
    name = "error" if isinstance(data, dict) and "error" in data else command
    assert name in schemas, f"no JSON Schema for {command!r}: add docs/schema/{name}.json"
    keep = None
    if fields is not None and name != "error":
        keep = frozenset({"schema_version", "warnings", *fields} - ({"steps"} if "steps" not in data else set()))
    validator = _validator(name, keep)
    if not validator.is_valid(data):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource

        registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
        Draft202012Validator(_schema(name, keep), registry=registry).validate(data)
        validator.validate(data)  # what only jsonschema-rs finds wrong (it is the stricter)


def _words(args: tuple[str, ...]) -> tuple[str, ...]:
    return args[: args.index("--")] if "--" in args else args


def _json_requested(args: tuple[str, ...]) -> bool:
    return "--json" in _words(args) or "--fields" in _words(args)


def _fields(args: tuple[str, ...]) -> list[str] | None:
    words = _words(args)
    if "--fields" not in words or words.index("--fields") + 1 >= len(words):
        return None
    return [f.strip() for f in words[words.index("--fields") + 1].split(",")]


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``backprop ARGS`` through click's CliRunner (the real entry point's error handling).

    Every JSON it prints is validated against the published schema (docs/schema)."""
    result = CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    outcome = Run(result.exit_code, result.stdout, result.stderr)
    if _json_requested(args) and result.stdout.strip():
        validate_json(args[0], outcome.json(), _fields(args))
    return outcome


def ok(*args: str, input: str | None = None) -> Run:
    """Run and assert success, showing stdout and stderr if it failed."""
    result = run(*args, input=input)
    assert result.code == 0, str(result)
    return result


def ev(source: str, **inputs: float) -> Evaluation:
    """Parse and evaluate in-process."""
    return evaluate(parse(source), inputs)


# Random expressions from the grammar (smooth ops only, so that finite differences apply) and
# random points, for the property tests.
NAMES = ["x", "y", "z"]
SMOOTH_UNARY = ["exp", "sin", "cos", "tanh", "sigmoid", "-"]
BINARY = ["+", "-", "*", "/", "^"]

leaves = st.one_of(
    st.sampled_from(NAMES),
    st.floats(min_value=0.1, max_value=3, allow_nan=False).map(lambda v: repr(round(v, 3))),
    st.sampled_from(["pi", "e"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.tuples(st.sampled_from(SMOOTH_UNARY), children).map(
        lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})"
    )
    binary = st.tuples(children, st.sampled_from(BINARY), children).map(
        # x^2-style powers only: a random base may be negative.
        lambda t: f"({t[0]})^2" if t[1] == "^" else f"({t[0]}) {t[1]} ({t[2]})"
    )
    logs = children.map(lambda c: f"log(1 + ({c})^2)")
    return st.one_of(unary, binary, logs)


def _has_input(source: str) -> bool:
    return any(re.search(rf"\b{name}\b", source) for name in NAMES)


expressions = st.recursive(leaves, _combine, max_leaves=12).filter(_has_input)
"""Random expressions with at least one input: without one, a gradient property has nothing to check."""
points = st.fixed_dictionaries({n: st.floats(min_value=-2, max_value=2, allow_nan=False) for n in NAMES})


LATEX_PREAMBLE = "\\documentclass{article}\\usepackage{amsmath}\\usepackage{xcolor}\\begin{document}\n"


def _pdflatex(directory: Path, name: str, body: str) -> tuple[int, str, str]:
    """Compile ``body`` in an ordinary article: pdflatex's exit code, its output and its log."""
    import subprocess

    doc = directory / f"{name}.tex"
    doc.write_text(f"{LATEX_PREAMBLE}{body}\n\\end{{document}}\n", encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    log = directory / f"{name}.log"
    return result.returncode, result.stdout, log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def compile_latex(directory: Path, name: str, tex: str) -> str:
    """Compile ``tex`` (an align* block) in an ordinary article with pdflatex; its log, or a failure."""
    code, output, log = _pdflatex(directory, name, tex)
    assert code == 0, output[-2000:]
    return log


_OVERFULL = re.compile(r"^Overfull .*?(?:at lines (\d+)--(\d+)|detected at line (\d+))?$", re.M)


def overfull_by_block(directory: Path, blocks: dict[str, str]) -> dict[str, list[str]] | None:
    """Compile every block (an align* block each) in ONE document, one pdflatex run instead of one per
    block: each block's Overfull warnings, found by the lines of the document they name (a warning
    that names no line counts against every block). None when the document does not compile: then
    compile each block alone with :func:`compile_latex` to see which one fails and why."""
    body, spans, line = "", {}, LATEX_PREAMBLE.count("\n") + 1
    for name, tex in blocks.items():
        text = tex.rstrip("\n") + "\n\n"
        spans[name] = (line, line + text.count("\n") - 1)
        body += text
        line += text.count("\n")
    code, _, log = _pdflatex(directory, "blocks", body)
    if code != 0:
        return None
    found: dict[str, list[str]] = {name: [] for name in blocks}
    for warning in _OVERFULL.finditer(log):
        first, last, at = warning.groups()
        lines = (int(first), int(last)) if first else (int(at), int(at)) if at else None
        for name, (start, end) in spans.items():
            if lines is None or (lines[0] <= end and lines[1] >= start):
                found[name].append(warning.group(0))
    return found


def rounding_bound(result: Evaluation) -> dict[str, float]:
    """4 · n · ε · Σ over paths of |product of local gradients| for each input: how far two orders of
    summing the same path products (forward mode against reverse mode, a pass against a printed
    derivative) can drift apart in float64. Far below 1e-12 of the gradient unless the paths cancel."""
    graph = result.graph
    total = [0.0] * len(graph)
    total[-1] = 1.0
    for i in range(len(graph) - 1, -1, -1):
        for j, d in zip(graph.args[i], result.local[i]):
            if d is not None:
                total[j] += total[i] * abs(d)
    scale = 4 * len(graph) * sys.float_info.epsilon
    # The standard model's underflow term: fl(a op b) = (a op b)(1 + δ) + η with |η| ≤ 2^-1075, so
    # near the subnormals (where δ says nothing) each of n steps may also be off by a subnormal's
    # spacing, carried along its path products.
    tiny = 4 * len(graph) * math.ulp(0.0)
    return {name: scale * total[graph.inputs[name]] + tiny * max(1.0, total[graph.inputs[name]]) for name in result.wrt}
