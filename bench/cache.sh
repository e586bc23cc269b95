#!/usr/bin/env bash
# What the caches buy at start-up: `eval --json` with the program cache hit, missed and off; the parse
# tables shipped (this checkout) against building them from the grammar at every miss (the same
# package without the tables file) and, for reference, Lark's pickle cache (BASE, a git ref from
# before the shipped tables; default b567a54). Ratios to `python -c pass`, measured side by side.
#
#   bash bench/cache.sh [BASE]      # needs hyperfine
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base=${1:-b567a54}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/results"

install() {  # install SOURCE_DIR into venv NAME (non-editable: an editable install slows every start)
  python3 -m venv "$work/$1"
  "$work/$1/bin/pip" install -q "$2" 2>/dev/null
}
install shipped "$root"
install built "$root"
rm "$(cd "$work" && "$work/built/bin/python" -c 'import backprop_cli, os; print(os.path.dirname(backprop_cli.__file__))')/grammars/expr.tables.json"
git -C "$root" archive "$base" | (mkdir -p "$work/base-src" && tar -x -C "$work/base-src")
install pickle "$work/base-src"

cd "$work"
seed="eval (x+y)*z -x -2 -y 5 -z -4 --json"
for v in shipped built pickle; do mkdir -m 700 "$work/cache-$v"; done
miss() { echo "find $work/cache-$1 -name *.graph -delete"; }
run() { echo "env BACKPROP_CACHE_DIR=$work/cache-$1 $work/$1/bin/backprop $seed"; }

hyperfine -N --warmup 10 --runs "${RUNS:-40}" --export-json "$here/results/cache.json" \
  --prepare true --prepare true --prepare "$(miss shipped)" --prepare true \
  --prepare "$(miss built)" --prepare true --prepare "$(miss pickle)" \
  -n "python -c pass" "$work/shipped/bin/python -c pass" \
  -n "program cache hit" "$(run shipped)" \
  -n "program cache miss, shipped tables" "$(run shipped)" \
  -n "BACKPROP_NO_CACHE=1, shipped tables" "env BACKPROP_NO_CACHE=1 $(run shipped)" \
  -n "program cache miss, tables built" "$(run built)" \
  -n "base: program cache hit" "$(run pickle)" \
  -n "base: miss, Lark pickle cache hit" "$(run pickle)"

# Medians, minima and mean CPU time (user + system: less disturbed by other processes), as ratios to
# python -c pass.
python3 - "$here/results/cache.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
columns = {"median": lambda r: r["median"], "min": lambda r: r["min"], "cpu": lambda r: r["user"] + r["system"]}
print(f"{'':38}" + "".join(f"{name:>10} {'ratio':>6}" for name in columns))
for r in results:
    cells = "".join(f"{f(r) * 1000:8.1f}ms {f(r) / f(results[0]):6.2f}" for f in columns.values())
    print(f"{r['command']:38}{cells}")
PY
