"""Parse speed of each way to run the grammar, side by side in one process (issue 11, goal 2).

    python bench/parse_options.py [--runs 5] [--terms 100000]

Each option parses the same programs into the same graph (checked), in rounds so that a noisy
neighbour slows every option alike; it prints the median and range of each, and the ratio to the
fast path, then a summary table. Options that cannot parse the language as it is say why and are
timed on the inputs they can parse. lark-cython is timed when installed (``pip install
lark-cython``), else the table says so.

The options: Lark's own LALR parser (the reference), the project's loop over Lark's tables (the
fast path), lark-cython, and an experiment with the grammar's shape: the same language with two
precedence levels inlined (``?power`` into ``?unary``, ``?atom`` into ``?postfix``), so that an
operand reduces four times on its way into a sum instead of six. It is built from the grammar
file's text here, run by both loops, and checked to build the same graphs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from lark import Lark

from backprop_cli import lalr
from backprop_cli.builder import Builder
from backprop_cli.graph import Graph
from backprop_cli.parse import LarkCallbacks, ParenNewlines, _tables, grammar_text, parse


def programs(n: int) -> dict[str, str]:
    lines = ["t0 = x"] + [f"t{i} = t{i - 1} * 1.0001 + x" for i in range(1, n // 2)]
    return {
        f"{n:,}-term sum": "+".join(["x"] * n),
        f"{n:,}-deep sin chain": "sin(" * n + "x" + ")" * n,
        f"{n // 2:,} statements": "\n".join(lines),
    }


def with_lark(grammar: str, **options: Any) -> Callable[[str], Graph]:
    """A parse function using Lark's own loop with ``options``; a new builder each parse (and so
    a Lark object each parse, as it binds its transformer: from Lark's cache, a few ms)."""

    def run(source: str) -> Graph:
        builder = Builder(source)
        Lark(
            grammar, parser="lalr", transformer=LarkCallbacks(builder), maybe_placeholders=False, cache=True, **options
        ).parse(source)
        return builder.graph()

    return run


def fast_parts(source: str, tables: lalr.Tables | None = None) -> Graph:
    tables = tables or _tables()
    builder = Builder(source)
    lalr.run(tables, source, builder, "_NL", ("LPAR", "LSQB"), ("RPAR", "RSQB"))
    return builder.graph()


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise LookupError(f"the grammar no longer has: {old.splitlines()[0]}")
    return text.replace(old, new)


def flattened(grammar: str) -> str:
    """The grammar with ``?power`` inlined into ``?unary`` and ``?atom`` into ``?postfix``: the same
    language and the same callbacks, two pass-through reductions fewer per operand."""
    text = _replace(
        grammar,
        "?unary: power\n",
        "?unary: postfix\n      | postfix POW unary    -> pow\n      | postfix SUPERSCRIPT  -> superscript_pow\n",
    )
    start = text.index("?power: postfix")
    text = text[:start] + text[text.index("// Picking an entry") :]
    atom = text.index("?atom: NUMBER")
    alternatives = text[atom : text.index("\n\n", atom)].replace("?atom: NUMBER", "       | NUMBER")
    text = text[:atom] + text[text.index("\n\n", atom) + 2 :]
    return _replace(text, "?postfix: atom\n", "?postfix: " + alternatives.strip()[2:] + "\n")


def flattened_fast(grammar: str) -> Callable[[str], Graph]:
    from backprop_cli.parse import LARK_OPTIONS

    tables = lalr.Tables.from_lark(Lark(grammar, **LARK_OPTIONS))
    return lambda source: fast_parts(source, tables)


CALLBACKS = {"number", "name", "neg", "pos", "group", "call", "assign", "add", "sub", "mul", "div", "pow"}


def cython_option(grammar: str) -> Callable[[str], Graph] | str:
    try:
        import lark_cython
    except ImportError:
        return "not installed"

    class Str:  # lark-cython tokens are not str: give the builder what it reads (as from a re.Match)
        __slots__ = ("token",)

        def __init__(self, t: Any) -> None:
            self.token = t

        def group(self) -> str:
            return str(self.token.value)

        def start(self) -> int:
            return int(self.token.start_pos)

        def end(self) -> int:
            return int(self.token.end_pos)

    class Tokens(Builder):  # converts the tokens of the leaves and operators it reads
        def __getattribute__(self, name: str) -> Any:
            method = super().__getattribute__(name)
            if name in CALLBACKS:
                return lambda c: method([Str(x) if type(x).__name__ == "Token" else x for x in c])
            return method

    def run(source: str) -> Graph:
        builder = Tokens(source)
        Lark(
            grammar, parser="lalr", lexer="basic", transformer=builder, _plugins=lark_cython.plugins,
            maybe_placeholders=False, cache=True,
        ).parse(source)  # fmt: skip
        return builder.graph()

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--terms", type=int, default=100_000)
    opts = ap.parse_args()
    gc.disable()  # as the command line runs
    grammar = grammar_text()
    try:
        shape: str | None = flattened(grammar)
    except LookupError as exc:
        shape = None
        print(f"grammar shape experiment skipped: {exc}")
    options: dict[str, Callable[[str], Graph] | str] = {
        "fast path (Lark's tables, own loop)": parse,
        "Lark: basic lexer + post-lexer": with_lark(grammar, lexer="basic", postlex=ParenNewlines()),
        "Lark: contextual lexer + post-lexer": with_lark(grammar, lexer="contextual", postlex=ParenNewlines()),
        "lark-cython: basic lexer, no post-lexer": cython_option(grammar),
        "flattened shape, own loop": flattened_fast(shape) if shape else "skipped (see above)",
        "flattened shape, Lark + post-lexer": (
            with_lark(shape, lexer="basic", postlex=ParenNewlines()) if shape else "skipped (see above)"
        ),
    }
    try:  # lark-cython's lexer thread has no make_lexer_state, which a post-lexer needs
        import lark_cython

        Lark(grammar, parser="lalr", postlex=ParenNewlines(), _plugins=lark_cython.plugins).parse("x")
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001
        print(f"lark-cython with the post-lexer fails: {exc!r}: it cannot parse newlines inside parentheses")
    inputs = programs(opts.terms)
    summary: dict[str, dict[str, str]] = {name: {} for name in options}
    for label, source in inputs.items():
        expected = fast_parts(source).to_data()
        times: dict[str, list[float]] = {name: [] for name, f in options.items() if callable(f)}
        for _ in range(opts.runs):
            for name, f in options.items():
                if not callable(f):
                    continue
                start = time.perf_counter()
                graph = f(source)
                times[name].append(time.perf_counter() - start)
                assert graph.to_data() == expected, name
                del graph
        base = times[next(iter(times))]
        print(f"\n{label} ({len(source):,} characters; median and range of {opts.runs} runs)")
        for name, f in options.items():
            if not callable(f):
                print(f"  {name:42} {f}")
                summary[name][label] = "-"
                continue
            t = times[name]
            ratios = [x / y for x, y in zip(t, base)]  # per round: a neighbour's load hits both alike
            summary[name][label] = f"{statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
            print(
                f"  {name:42} {statistics.median(t):6.3f} s  [{min(t):.3f}-{max(t):.3f}]"
                f"  {statistics.median(ratios):4.2f}x the fast path"
            )
    labels = list(inputs)
    print(f"\nSummary: time / the fast path's, per round (median [range] of {opts.runs} rounds)")
    print(f"  {'option':42} " + " ".join(f"{label:>22}" for label in labels))
    for name, row in summary.items():
        print(f"  {name:42} " + " ".join(f"{row.get(label, '-'):>22}" for label in labels))
    for name, f in options.items():
        if not callable(f):
            print(f"  {name}: {f}")


if __name__ == "__main__":
    main()
