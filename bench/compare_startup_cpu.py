"""CPU time (user + system) of ``backprop eval`` start-up in two source trees, as ratios to ``python -c pass``.

On a loaded machine wall-clock times (hyperfine) swing by tens of percent; the CPU time a run uses
swings far less. Medians of interleaved runs:

    python bench/compare_startup_cpu.py PYTHON TREE_BEFORE TREE_AFTER

A tree is a source checkout (``git archive REV | tar -x -C DIR``); PYTHON needs click, lark and rich.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile

SEED = ["eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(python: str, before: str, after: str, runs: int = 25) -> None:
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache:
        for options in (["--json"], []):
            times: dict[str, list[float]] = {"pass": [], before: [], after: []}
            for _ in range(runs):  # interleaved, so that load changes hit every command alike
                times["pass"].append(cpu_seconds([python, "-c", "pass"], base_env))
                for tree in (before, after):
                    env = {**base_env, "PYTHONPATH": tree, "BACKPROP_CACHE_DIR": cache}
                    times[tree].append(cpu_seconds([python, "-m", "backprop_cli", *SEED, *options], env))
            median = {name: statistics.median(values) for name, values in times.items()}
            ratios = ", ".join(f"{name}: {median[name] / median['pass']:.2f}" for name in (before, after))
            label = " ".join(options) or "(table)"
            print(
                f"eval {label}: CPU time / python -c pass: {ratios}; after/before {median[after] / median[before]:.3f}"
            )


if __name__ == "__main__":
    main(*sys.argv[1:4])
