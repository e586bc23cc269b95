"""Where the start-up of one backprop command goes, millisecond by millisecond (issue 11).

    python bench/startup_account.py PYTHON BACKPROP [--runs 9] -- eval "(x+y)*z" -x -2 -y 5 -z -4 --json

PYTHON is the interpreter of the venv BACKPROP (the console script) is installed in. Runs the
command under ``python -X importtime`` RUNS times and keeps each module's smallest self time (the
run least disturbed by a neighbour), then groups the modules by who imported them first: the
interpreter's own start-up (what ``python -c pass`` imports too), click, Rich, each of backprop's
modules (with the standard-library modules it was first to import: ``typing``, which click imports
too, is counted where it is first imported), and what is not an import at all: the whole run's CPU
time (user + system, smallest of RUNS plain runs: a loaded machine disturbs it less than wall time)
minus ``python -c pass``'s minus the imports. Prints a table in milliseconds.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime(command: list[str]) -> list[tuple[str, int, int]]:
    """(module, depth, self µs) in the order -X importtime prints them (children before parents)."""
    err = subprocess.run(command, capture_output=True, text=True, check=False).stderr
    rows = []
    for line in err.splitlines():
        m = LINE.match(line)
        if m:
            rows.append((m.group(4), len(m.group(3)) // 2, int(m.group(1))))
    return rows


def owner(module: str) -> str | None:
    """The group a module is its own owner of, if any."""
    top = module.split(".", maxsplit=1)[0]
    if top in ("click", "rich", "lark", "numpy"):
        return top
    if top == "backprop_cli":
        return module
    return None


def attribute(rows: list[tuple[str, int, int]], interpreter: set[str]) -> dict[str, str]:
    """module -> its group: itself or its package if owned, else the nearest owned importer."""
    groups: dict[str, str] = {}
    # importtime prints a parent after its children: walk backwards keeping the chain of parents.
    chain: list[tuple[int, str]] = []
    for module, depth, _ in reversed(rows):
        while chain and chain[-1][0] >= depth:
            chain.pop()
        chain.append((depth, module))
        if module in interpreter:
            groups[module] = "python itself (site, encodings: python -c pass imports them too)"
            continue
        found = None
        for _, name in reversed(chain):
            found = owner(name)
            if found:
                break
        groups[module] = found or "re & co. (the console script imports re first; click needs it too)"
    return groups


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("python")
    ap.add_argument("backprop")
    ap.add_argument("--runs", type=int, default=9)
    mine, args = sys.argv[1:], []
    if "--" in mine:  # what follows is backprop's command line
        at = mine.index("--")
        mine, args = mine[:at], mine[at + 1 :]
    opts = ap.parse_args(mine)
    command = [opts.python, "-X", "importtime", opts.backprop, *args]
    subprocess.run([opts.backprop, *args], capture_output=True, check=False)  # warm the parse cache
    interpreter = {m for m, _, _ in importtime([opts.python, "-X", "importtime", "-c", "pass"])}
    runs = [importtime(command) for _ in range(opts.runs)]
    least: dict[str, int] = {}
    for rows in runs:
        for module, _, us in rows:
            least[module] = min(us, least.get(module, us))
    groups = attribute(runs[0], interpreter)

    def cpu(cmd: list[str]) -> float:
        best = float("inf")
        for _ in range(opts.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(cmd, capture_output=True, check=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return best * 1000

    total = cpu([opts.backprop, *args])
    base = cpu([opts.python, "-c", "pass"])
    per_group: dict[str, float] = defaultdict(float)
    for module, us in least.items():
        per_group[groups.get(module, "python itself")] += us / 1000
    ours = sum(ms for g, ms in per_group.items() if not g.startswith("python itself"))
    print(f"command: backprop {' '.join(args)}")
    ratio = total / base
    print(f"whole run, CPU (smallest of {opts.runs}): {total:.1f} ms = {ratio:.2f}x python -c pass ({base:.1f} ms)\n")
    print(f"{'where':70} {'ms':>6} {'share':>6}")
    print(f"{'python -c pass (the interpreter starting and stopping)':70} {base:6.1f} {base / total:6.1%}")
    small = [ms for g, ms in per_group.items() if g.startswith("backprop_cli") and ms < 0.3]
    for group, ms in sorted(per_group.items(), key=lambda kv: -kv[1]):
        if group.startswith("python itself") or ms < 0.05 or (group.startswith("backprop_cli") and ms < 0.3):
            continue
        print(f"{'import ' + group:70} {ms:6.2f} {ms / total:6.1%}")
    label = f"import backprop_cli: {len(small)} other modules, under 0.3 ms each"
    print(f"{label:70} {sum(small):6.2f} {sum(small) / total:6.1%}")
    rest = total - base - ours
    label = "not imports: parsing options, the cache, the passes, the output, exit"
    print(f"{label:70} {rest:6.1f} {rest / total:6.1%}")
    print(f"{'(imports, all together)':70} {ours:6.1f} {ours / total:6.1%}")


if __name__ == "__main__":
    main()
