"""Mutants that mutmut cannot apply, applied by hand: each must be killed by the tests named for it.

    .venv/bin/python bench/mutants_by_hand.py            # all of them (a few minutes)
    .venv/bin/python bench/mutants_by_hand.py min abs    # those whose label contains a word

Two kinds (see docs/mutation.md): issue 9's list of changes the suite once missed, most of them in
modules outside mutmut's scope (the cache, the entry point, errors); and changes to code that runs
only when ``ops.py`` is imported (building the op table), which mutmut's forked test processes have
already imported before it switches a mutant on.

Each mutant is one textual change to a copy of the working tree (in a temporary directory, never
the tree itself); the rule files are regenerated when the op table changes, so that the change
reaches the numbers and not only the generated-file check. The tests named for it then run against
the copy in a fresh process (PYTHONPATH puts the copy first, for subprocesses too); a mutant is
killed when they fail. The change must match the source exactly once, so a mutant that no longer
applies is reported as STALE instead of silently passing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    label: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    """The tests expected to kill it (files or node ids)."""


MUTANTS = [
    Mutant(
        "min's two derivative formulas swapped",
        "backprop_cli/ops.py",
        '("(1 + sign(b - a)) / 2", "(1 + sign(a - b)) / 2"),\n            doc="the smaller',
        '("(1 + sign(a - b)) / 2", "(1 + sign(b - a)) / 2"),\n            doc="the smaller',
        ("tests/test_ops.py", "tests/test_every_op.py"),
    ),
    Mutant(
        "abs's formula replaced by 1",
        "backprop_cli/ops.py",
        'Op("abs", 1, abs, ("sign(a)",)',
        'Op("abs", 1, abs, ("1",)',
        ("tests/test_ops.py", "tests/test_every_op.py"),
    ),
    Mutant(
        "a cache that never hits",
        "backprop_cli/cache.py",
        "            graph = store.get(source)\n",
        "            graph = None\n",
        ("tests/test_cache.py", "tests/test_cli.py::test_a_cache_hit_through_the_command_line_gives_the_same_answer"),
    ),
    Mutant(
        "a cache hit drops its warnings",
        "backprop_cli/cache.py",
        "    graph = Graph.from_data(data)\n",
        "    graph = Graph.from_data((data[0], [], data[2]))  # type: ignore[index]\n",
        ("tests/test_cache.py",),
    ),
    Mutant(
        "the tangent-overflow check removed",
        "backprop_cli/engine.py",
        "            if not math.isfinite(tangent[i]):\n",
        "            if False:\n",
        ("tests/test_engine.py", "tests/test_check.py"),
    ),
    Mutant(
        "broken pipe: exit code changed",
        "backprop_cli/entry.py",
        "    except ReaderGone:\n        code = 0\n",
        "    except ReaderGone:\n        code = 1\n",
        ("tests/test_environment.py",),
    ),
    Mutant(
        "Ctrl-C: exit code changed",
        "backprop_cli/__init__.py",
        "EXIT_INTERRUPTED = 130\n",
        "EXIT_INTERRUPTED = 1\n",
        ("tests/test_environment.py::test_ctrl_c_at_any_moment_is_exit_130_with_interrupted",),
    ),
    Mutant(
        "the long-line excerpt window removed",
        "backprop_cli/errors.py",
        "        if line_end - line_start <= EXCERPT_LINE:\n",
        "        if True:\n",
        ("tests/test_engine.py",),
    ),
    Mutant(
        "long expressions no longer shortened",
        "backprop_cli/graph.py",
        "    if end - start <= limit:\n        return source[start:end]\n",
        "    if True:\n        return source[start:end]\n",
        ("tests/test_engine.py",),
    ),
    Mutant(
        "cache trimming disabled",
        "backprop_cli/cache.py",
        "        if len(files) <= MAX_ENTRIES:\n            return\n",
        "        if True:\n            return\n",
        ("tests/test_cache.py",),
    ),
    # The tests the issue found unable to fail, each against the mutant it had to notice.
    Mutant(
        "test_cli's cache-hit test: a hit that parses again",
        "backprop_cli/cache.py",
        "            if graph is not None:\n                return graph\n",
        "            if graph is not None:\n                pass\n",
        ("tests/test_cli.py::test_a_cache_hit_through_the_command_line_gives_the_same_answer",),
    ),
    Mutant(
        "test_views' steps test: the add gate's note dropped",
        "backprop_cli/ops.py",
        'gate="add gate: passes the upstream gradient to every input unchanged",\n',
        "",
        ("tests/test_views.py::test_steps_reproduce_the_notes_derivation_exactly",),
    ),
    Mutant(
        "test_views' SVG test: gradients in the value colour",
        "backprop_cli/views/theme.py",
        'GRAD = "red"',
        'GRAD = "green"',
        ("tests/test_views.py::test_every_terminal_view_saves_an_svg",),
    ),
    Mutant(
        "the forward-equals-reverse property: a tangent off by 1e-9 in the fast forward mode",
        "backprop_cli/flat.py",
        "            t = 0.0\n",
        "            t = 1e-9\n",
        ("tests/test_check.py::test_forward_mode_equals_reverse_mode",),
    ),
]


# ops._array_op runs only at import, building the array ops' entries: mutmut cannot switch its mutants
# on (they survive there whatever the tests); here each change to what an entry holds is applied.
ARRAY_OP = "return Op(name, arity, _array_only, (), vjp=vjp, shape=shape, numpy=name, **more)"
MUTANTS += [
    Mutant(
        f"ops._array_op: {label}",
        "backprop_cli/ops.py",
        ARRAY_OP,
        ARRAY_OP.replace(old, new),
        ("tests/test_arrays.py",),
    )
    for label, old, new in [
        ("no gradient rules (vjp)", "vjp=vjp", "vjp=()"),
        ("no shape function", "shape=shape", "shape=None"),
        ("no NumPy kernel name", "numpy=name", 'numpy=""'),
        ("the extra fields dropped (spelling, axis, aliases...)", ", **more)", ")"),
        ("a wrong arity", "arity, _array_only", "1, _array_only"),
    ]
] + [
    # The failure words of the logarithms and of sinh/cosh, also made at import.
    Mutant(
        "ops._log_failures: zero worded as a negative number",
        "backprop_cli/ops.py",
        '("1 - abs(sign(a))", f"{name} of zero")',
        '("1 - abs(sign(a))", f"{name} of a negative number")',
        ("tests/test_engine.py",),
    ),
    Mutant(
        "ops._log_failures: the zero condition made always true",
        "backprop_cli/ops.py",
        '("1 - abs(sign(a))", f"{name} of zero")',
        '("1", f"{name} of zero")',
        ("tests/test_engine.py",),
    ),
    Mutant(
        "ops._axis: the axis ignored (a reduction's shape over everything)",
        "backprop_cli/ops.py",
        "return float(args[0]) if args else None",
        "return None",
        ("tests/test_arrays.py",),
    ),
    Mutant(
        "ops._reduced: the input's shape kept",
        "backprop_cli/ops.py",
        "return shapes.reduce(shapes.shape_of(a), _axis(axis))",
        "return shapes.shape_of(a)",
        ("tests/test_arrays.py",),
    ),
    Mutant(
        "ops._hyperbolic_overflow: the limit left out of the words",
        "backprop_cli/ops.py",
        "is too large for a float64 beyond |x| = {HYPERBOLIC_LIMIT!r})",
        "is too large for a float64)",
        ("tests/test_engine.py",),
    ),
]


def _copy_tree(to: Path) -> None:
    """The working tree as it is (tracked and untracked, not ignored files)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)


def run(mutant: Mutant, python: str) -> str:
    """``killed``, ``SURVIVED`` or ``STALE`` (the change no longer matches the source once)."""
    with tempfile.TemporaryDirectory(prefix="issue9-mutant-") as tmp:
        copy = Path(tmp)
        _copy_tree(copy)
        target = copy / mutant.path
        text = target.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            return "STALE"
        target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        if mutant.path.endswith("ops.py"):
            subprocess.run([python, "-m", "backprop_cli.rulegen"], cwd=copy, env=env, check=True, capture_output=True)
        tests = subprocess.run(
            [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return "killed" if tests.returncode != 0 else "SURVIVED"


def main(words: list[str]) -> int:
    python = str(ROOT / ".venv" / "bin" / "python")
    chosen = [m for m in MUTANTS if not words or any(w in m.label for w in words)]
    survived = 0
    for mutant in chosen:
        outcome = run(mutant, python)
        survived += outcome != "killed"
        print(f"{outcome:9} {mutant.label}  [{' '.join(t.removeprefix('tests/') for t in mutant.tests)}]", flush=True)
    print(f"{len(chosen) - survived}/{len(chosen)} killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
