"""Parse speed of each way to run the grammar, side by side in one process (issue 11, goal 2).

    python bench/parse_options.py [--runs 5] [--terms 100000]

Each option parses the same programs into the same graph (checked), in rounds so that a noisy
neighbour slows every option alike; it prints the median and range of each, and the ratio to the
fast path. Options that cannot parse the language as it is say why and are timed on the inputs
they can parse. lark-cython is timed when installed (``pip install lark-cython``).
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from lark import Lark, Token
from lark.lexer import Lexer

from backprop_cli import lalr
from backprop_cli.builder import Builder
from backprop_cli.graph import Graph
from backprop_cli.parse import ParenNewlines, _tables, grammar_text, parse


def programs(n: int) -> dict[str, str]:
    lines = ["t0 = x"] + [f"t{i} = t{i - 1} * 1.0001 + x" for i in range(1, n // 2)]
    return {
        f"{n:,}-term sum": "+".join(["x"] * n),
        f"{n:,}-deep sin chain": "sin(" * n + "x" + ")" * n,
        f"{n // 2:,} statements": "\n".join(lines),
    }


class OneRegexLexer(Lexer):
    """The lexer the project had before the fast path (one alternation, finditer)."""

    def __init__(self, conf: Any) -> None:
        terminals = sorted(
            conf.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name)
        )
        self.regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals))
        self.ignore = frozenset(conf.ignore)

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        pos = depth = 0
        for match in self.regex.finditer(text):
            start, kind = match.start(), match.lastgroup or ""
            if start != pos:
                break
            pos = match.end()
            if kind in self.ignore or (kind == "_NL" and depth):
                continue
            if kind == "LPAR":
                depth += 1
            elif kind == "RPAR":
                depth = max(0, depth - 1)
            yield Token(kind, match.group(), start_pos=start, end_pos=pos)


def with_lark(grammar: str, **options: Any) -> Callable[[str], Graph]:
    """A parse function using Lark's own loop with ``options``; a new builder each parse (and so
    a Lark object each parse, as it binds its transformer: from Lark's cache, a few ms)."""

    def run(source: str) -> Graph:
        builder = Builder(source)
        Lark(grammar, parser="lalr", transformer=builder, maybe_placeholders=False, cache=True, **options).parse(source)
        return builder.graph()

    return run


def fast_parts(source: str) -> Graph:
    tables = _tables()
    tokens = lalr.lex(tables, source, "_NL", ("LPAR", "LSQB"), ("RPAR", "RSQB"))
    builder = Builder(source)
    lalr.run(tables, tokens, len(source), builder)
    return builder.graph()


CALLBACKS = {"number", "name", "neg", "pos", "group", "call", "assign", "add", "sub", "mul", "div", "pow"}


def cython_option(grammar: str) -> Callable[[str], Graph] | str:
    try:
        import lark_cython
    except ImportError:
        return "not installed"

    class Str:  # lark-cython tokens are not str: give the builder what it reads
        __slots__ = ("end_pos", "start_pos", "type", "value")

        def __init__(self, t: Any) -> None:
            self.type, self.value, self.start_pos, self.end_pos = t.type, t.value, t.start_pos, t.end_pos

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
    options: dict[str, Callable[[str], Graph] | str] = {
        "fast path (Lark's tables, own loop)": parse,
        "Lark: basic lexer + post-lexer": with_lark(grammar, lexer="basic", postlex=ParenNewlines()),
        "Lark: contextual lexer + post-lexer": with_lark(grammar, lexer="contextual", postlex=ParenNewlines()),
        "Lark: one-regex lexer (the old one)": with_lark(grammar, lexer=OneRegexLexer),
        "lark-cython: basic lexer, no post-lexer": cython_option(grammar),
    }
    try:  # lark-cython's lexer thread has no make_lexer_state, which a post-lexer needs
        import lark_cython

        Lark(grammar, parser="lalr", postlex=ParenNewlines(), _plugins=lark_cython.plugins).parse("x")
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001
        print(f"lark-cython with the post-lexer fails: {exc!r}: it cannot parse newlines inside parentheses")
    inputs = programs(opts.terms)
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
        base = statistics.median(times[next(iter(times))])
        print(f"\n{label} ({len(source):,} characters; median and range of {opts.runs} runs)")
        for name, f in options.items():
            if not callable(f):
                print(f"  {name:42} {f}")
                continue
            t = times[name]
            print(
                f"  {name:42} {statistics.median(t):6.3f} s  [{min(t):.3f}-{max(t):.3f}]"
                f"  {statistics.median(t) / base:4.2f}x the fast path"
            )


if __name__ == "__main__":
    main()
