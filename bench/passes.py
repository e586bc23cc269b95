"""The fast passes (flat.py + the generated fused.py) against the reference passes (engine.py),
in one process, in rounds, on large programs, in both modes (issue 11).

    python bench/passes.py [--rounds 5] [--terms 100000]

Prints, per program and mode, the median time of each and the ratio reference / fast, with the
range of the per-round ratios (a noisy neighbour slows both sides of a round alike). Checks that
both give the same numbers.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import parse_options  # bench/, beside this script (on sys.path when run as a script)

from backprop_cli import engine, flat
from backprop_cli.graph import Graph
from backprop_cli.parse import parse


def programs(n: int) -> dict[str, str]:
    """parse_options.py's programs (the same sum, chain and statements), and a mix of functions."""
    return {
        **parse_options.programs(n),
        f"{n // 4:,} mixed terms": "+".join(
            f"sigmoid(x*{i % 7 + 1}) * tanh(y) - exp(-x) / (1 + y^2)" for i in range(n // 20)
        ),
    }


def reference(graph: Graph, inputs: dict[str, float], mode: str) -> object:
    names = list(graph.inputs)
    values = engine.forward(graph, inputs)
    local = engine.local_gradients(graph, values)
    if mode == "forward":
        return values, local, list(engine.forward_mode(graph, local, names).values())
    return values, local, [engine.backward(graph, local)]


def fast(graph: Graph, inputs: dict[str, float], mode: str) -> object:
    return flat.evaluate(graph, inputs, graph.needs_grad, list(graph.inputs) if mode == "forward" else None)


def timed(f: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = f()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--terms", type=int, default=100_000)
    opts = ap.parse_args()
    gc.disable()  # as the command line runs
    print(f"{'program':28} {'mode':8} {'reference':>10} {'fast':>10} {'reference/fast [range]':>24}")
    for label, source in programs(opts.terms).items():
        graph = parse(source)
        inputs = dict.fromkeys(graph.inputs, 0.5)
        for mode in ("reverse", "forward"):
            ref_t: list[float] = []
            fast_t: list[float] = []
            for _ in range(opts.rounds):
                t1, expected = timed(lambda: reference(graph, inputs, mode))  # noqa: B023 (called at once)
                t2, got = timed(lambda: fast(graph, inputs, mode))  # noqa: B023
                assert [list(x) for x in got][:2] == [list(x) for x in expected][:2], label  # type: ignore[attr-defined]
                ref_t.append(t1)
                fast_t.append(t2)
                del expected, got
                gc.collect()
            ratios = [r / f for r, f in zip(ref_t, fast_t)]
            print(
                f"{label:28} {mode:8} {statistics.median(ref_t):9.3f}s {statistics.median(fast_t):9.3f}s"
                f" {statistics.median(ratios):8.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]"
            )


if __name__ == "__main__":
    main()
