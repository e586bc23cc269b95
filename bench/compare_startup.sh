#!/usr/bin/env bash
# Start-up of `backprop eval --json` at two git revisions, side by side in one hyperfine run, as
# ratios to `python -c pass` (absolute times on a shared machine are noise).
#
#   PYTHON=.venv/bin/python bash bench/compare_startup.sh BEFORE [AFTER]    # AFTER defaults to HEAD
#   OPTIONS= bash bench/compare_startup.sh ...     # the table instead of --json (OPTIONS="--steps", ...)
#
# Each revision is exported with `git archive` and byte-compiled; both run on the same interpreter
# (PYTHON, which needs the dependencies: click, lark, rich) with the same warm parse cache, so the
# difference is the code's own import and run time. Needs hyperfine.
set -euo pipefail
before=${1:?usage: compare_startup.sh BEFORE [AFTER]}
after=${2:-HEAD}
py=${PYTHON:-python3}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BACKPROP_CACHE_DIR="$work/cache"
unset PYTHONDONTWRITEBYTECODE
seed="(x+y)*z -x -2 -y 5 -z -4 ${OPTIONS---json}"
for rev in "$before" "$after"; do
  mkdir -p "$work/$rev"
  git -C "$root" archive "$rev" | tar -x -C "$work/$rev"
  "$py" -m compileall -q "$work/$rev/backprop_cli"
  (cd "$work" && PYTHONPATH="$work/$rev" "$py" -m backprop_cli eval $seed >/dev/null)  # warm the parse cache
done
cd "$work"
hyperfine -N --warmup 10 --runs "${RUNS:-40}" --export-json "$work/result.json" \
  -n "python -c pass" "env PYTHONPATH=$work/$before $py -c pass" \
  -n "eval ${OPTIONS---json} @ $before" "env PYTHONPATH=$work/$before $py -m backprop_cli eval $seed" \
  -n "eval ${OPTIONS---json} @ $after" "env PYTHONPATH=$work/$after $py -m backprop_cli eval $seed" >/dev/null
"$py" - "$work/result.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
for r in results:
    print(f"{r['command']:<28} median {r['median'] * 1000:6.1f} ms   ratio to python -c pass {r['median'] / base:5.2f}")
print(f"after / before: {results[2]['median'] / results[1]['median']:.3f}")
PY
