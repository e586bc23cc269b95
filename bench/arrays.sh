#!/usr/bin/env bash
# Vectors and matrices (issue 14): the scalar start-up is unchanged, and a 1000×1000 matrix product's
# gradient takes well under a second. Public tools only (hyperfine, python -X importtime); ratios,
# measured side by side in one run (the machine is shared and noisy).
#
#   PYTHON=.venv/bin/python bash bench/arrays.sh [BEFORE]
#
# BEFORE (default 76f42ea, main just before arrays were merged) is compared with the working tree's
# HEAD by bench/compare_startup.sh: that ratio includes everyone's changes in between, so the script
# also shows what the array support itself adds to a scalar run, from -X importtime: the modules
# shapes.py and arrays/__init__.py, and that NumPy is not imported.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py=${PYTHON:-python3}
before=${1:-76f42ea}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BACKPROP_CACHE_DIR="$work/cache"
unset PYTHONDONTWRITEBYTECODE
git -C "$root" archive HEAD | tar -x -C "$work" && mkdir -p "$work/head" && mv "$work/backprop_cli" "$work/grammars" "$work/head/"
"$py" -m compileall -q "$work/head/backprop_cli"
run=(env PYTHONPATH="$work/head" "$py" -m backprop_cli)
seed=(eval "(x+y)*z" -x -2 -y 5 -z -4 --json)
cd "$work"
"${run[@]}" "${seed[@]}" >/dev/null  # warm the parse cache

echo "== scalar eval --json: what the array support adds (python -X importtime, 20 runs, microseconds)"
"$py" - "$work/head" "$py" <<'PY'
import statistics, subprocess, sys
head, py = sys.argv[1], sys.argv[2]
mine, total, numpy = [], [], False
for _ in range(20):
    err = subprocess.run(
        [py, "-X", "importtime", "-m", "backprop_cli", "eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "--json"],
        env={"PYTHONPATH": head, "BACKPROP_CACHE_DIR": "cache"}, capture_output=True, text=True, check=True,
    ).stderr
    rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:") and "self [us]" not in line]
    self_us = {r[2].strip(): int(r[0].split(":")[1]) for r in rows}
    mine.append(sum(us for name, us in self_us.items() if name in ("backprop_cli.shapes", "backprop_cli.arrays")))
    total.append(sum(self_us.values()))
    numpy = numpy or any(name.split(".")[0] == "numpy" for name in self_us)
print(f"  shapes + arrays/__init__: median {statistics.median(mine)} us of {statistics.median(total)} us of imports "
      f"({statistics.median(mine) / statistics.median(total):.1%}); numpy imported: {numpy}")
PY

echo
echo "== scalar eval --json start-up, $before against HEAD (bench/compare_startup.sh)"
(cd "$root" && PYTHON="$py" RUNS="${RUNS:-30}" bash "$here/compare_startup.sh" "$before" HEAD) | sed 's/^/  /'

echo
echo "== the gradient of sum(W @ X) for 1000×1000 matrices (hyperfine, seconds)"
"$py" -c "
import numpy as np
r = np.random.default_rng(0)
np.save('W.npy', r.normal(size=(1000, 1000)))
np.save('X.npy', r.normal(size=(1000, 1000)))
"
cat > numpy_only.py <<'PY'
import numpy as np
W, X = np.load("W.npy"), np.load("X.npy")
D = W @ X
G = np.ones_like(D)
dW, dX = G @ X.T, W.T @ G
print(float(D.sum()))
PY
hyperfine -N --warmup 1 --runs "${RUNS_MATMUL:-10}" --export-json matmul.json \
  -n "numpy by hand: load, W @ X, dW and dX" "$py numpy_only.py" \
  -n "backprop eval sum(W @ X) --fields value" "env PYTHONPATH=$work/head $py -m backprop_cli eval 'sum(W @ X)' -W @W.npy -X @X.npy --fields value" \
  -n "backprop eval sum(W @ X) (table, summarised)" "env PYTHONPATH=$work/head $py -m backprop_cli eval 'sum(W @ X)' -W @W.npy -X @X.npy" \
  >/dev/null
"$py" - matmul.json <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
for r in results:
    print(f"  {r['command']:<46} median {r['median']:6.3f} s  (min {r['min']:.3f}, max {r['max']:.3f})  {r['median'] / base:4.2f}x numpy by hand")
PY

echo
echo "== in one process, min of 7 runs (robust to a loaded machine): the engine against NumPy by hand"
env PYTHONPATH="$work/head" "$py" - <<'PY'
import time
import numpy as np
from backprop_cli.arrays.engine import evaluate
from backprop_cli.parse import parse
W, X = np.load("W.npy"), np.load("X.npy")
graph = parse("sum(W @ X)")

def by_hand():
    D = W @ X
    G = np.ones_like(D)
    return G @ X.T, W.T @ G

def engine():
    return evaluate(graph, {"W": W, "X": X}).input_grads()

times = {"numpy by hand": [], "backprop engine": []}
for _ in range(7):
    for name, fn in (("numpy by hand", by_hand), ("backprop engine", engine)):
        start = time.perf_counter()
        fn()
        times[name].append(time.perf_counter() - start)
base = min(times["numpy by hand"])
for name, ts in times.items():
    print(f"  {name:<16} min {min(ts):6.3f} s   {min(ts) / base:4.2f}x numpy by hand")
g = engine()
assert np.allclose(g["W"], np.ones((1000, 1000)) @ X.T) and np.allclose(g["X"], W.T @ np.ones((1000, 1000)))
PY
