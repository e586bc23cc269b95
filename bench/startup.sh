#!/usr/bin/env bash
# Start-up of backprop (issue 11): ratios to `python -c pass`, side by side, with the range over rounds,
# then the per-millisecond account of where each start-up goes (python -X importtime).
#
#   bash bench/startup.sh [ROUNDS] [RUNS]      # default 5 rounds of 20 runs per command; ~2 minutes
#
# The project is installed non-editably into a fresh venv (an editable install adds an import hook to
# every start-up) and its console script is timed, as a user runs it. Each round is one hyperfine run
# of every command back to back, so a neighbour's load hits a round's commands alike; the ratio of
# each round's medians is computed, and the median and range of those ratios printed. hyperfine's
# user+system times give the same ratios in CPU time, which a loaded machine disturbs less.
# hyperfine discards the output, so "the table" is the table piped (as a script or a pager reads it,
# plain text); "the table in colour" sets FORCE_COLOR=1 and COLUMNS=100 so that Rich draws it as on a
# terminal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=${1:-5}
runs=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$root" 2>/dev/null
py="$work/venv/bin/python"
bp="$work/venv/bin/backprop"
cd "$work"
unset PYTHONDONTWRITEBYTECODE BACKPROP_NO_CACHE
export BACKPROP_CACHE_DIR="$work/cache"
seed="eval (x+y)*z -x -2 -y 5 -z -4"
clear="find $BACKPROP_CACHE_DIR -name *.graph -delete"
$bp $seed --json >/dev/null  # the parse cache holds the seed, as a script's second call finds it

for r in $(seq "$rounds"); do
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/round$r.json" \
    --prepare true --prepare true --prepare true --prepare true --prepare "$clear" --prepare true \
    -n pass "$py -c pass" \
    -n json "$bp $seed --json" \
    -n table "$bp $seed" \
    -n colour "env FORCE_COLOR=1 COLUMNS=100 $bp $seed" \
    -n miss "$bp $seed --json" \
    -n nocache "env BACKPROP_NO_CACHE=1 $bp $seed --json" >/dev/null
done

"$py" - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
data = []
for r in range(1, rounds + 1):
    data.append({x["command"]: x for x in json.load(open(f"{work}/round{r}.json"))["results"]})
cpu = lambda x: x["user"] + x["system"]  # means over the round's runs
rows = [
    ("eval --json, cache hit / python -c pass", "json", "pass", "goal <= 5"),
    ("eval (the table), cache hit / python -c pass", "table", "pass", "goal <= 7.5"),
    ("the table in colour, as on a terminal / pass", "colour", "pass", "Rich draws it (env adds an exec)"),
    ("eval --json, cache miss / python -c pass", "miss", "pass", ""),
    ("BACKPROP_NO_CACHE=1 / cache miss", "nocache", "miss", "about 1: Lark's tables are not a cache"),
]
print(f"\n{'ratio (median of per-round ratios [range], ' + str(rounds) + ' rounds)':52} {'wall':>20} {'CPU':>20}")
for label, a, b, note in rows:
    w = [d[a]["median"] / d[b]["median"] for d in data]
    c = [cpu(d[a]) / cpu(d[b]) for d in data]
    fmt = lambda v: f"{statistics.median(v):5.2f} [{min(v):.2f}-{max(v):.2f}]"
    print(f"{label:52} {fmt(w):>20} {fmt(c):>20}  {note}")
print(f"\npython -c pass: median {statistics.median(d['pass']['median'] for d in data) * 1000:.1f} ms")
PY

echo
python3 "$here/startup_account.py" "$py" "$bp" -- $seed --json
echo
python3 "$here/startup_account.py" "$py" "$bp" -- $seed
