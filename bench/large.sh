#!/usr/bin/env bash
# Large programs (issue 11): this checkout against a baseline commit, side by side in one run.
#
#   bash bench/large.sh [BASE_COMMIT] [RUNS]     # default: b567a54 (main before issue 11), 3 runs; ~5 minutes
#
# Both are installed non-editably into fresh venvs and timed by one hyperfine run on the same inputs,
# each program's baseline right before its new run (hyperfine runs a command's runs back to back):
# read the ratio column, and the ranges, knowing that a neighbour's load may differ between the two. Peak memory comes from
# /usr/bin/time (memory is not noisy). Every run parses (BACKPROP_NO_CACHE=1; programs over 64 KiB are
# never cached anyway). Set BIG=0 to skip the 1,000,000-term sum (about a minute).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base=${1:-b567a54}
runs=${2:-3}
out="$here/results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/base-src"

git -C "$root" archive "$base" | tar -x -C "$work/base-src"
for name in new base; do
  python3 -m venv "$work/$name"
done
"$work/new/bin/pip" install -q "$root"
"$work/base/bin/pip" install -q "$work/base-src"
cd "$work"
export BACKPROP_NO_CACHE=1

py="$work/new/bin/python"
"$py" "$here/large_programs.py" "$work"

programs=(sum100k sin100k st50k)
[ "${BIG:-1}" = 1 ] && programs+=(sum1m)
echo "== whole process, eval --json > /dev/null (hyperfine, $runs runs each)"
args=()
for p in "${programs[@]}"; do
  for name in base new; do
    args+=(-n "$name $p" "$work/$name/bin/backprop eval --file $work/$p.bp -x 0.5 --json")
  done
done
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/large.json" "${args[@]}" >/dev/null
echo "   load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== peak memory (/usr/bin/time, one run each)"
for p in "${programs[@]}"; do
  for name in base new; do
    /usr/bin/time -f "%M" -o "$work/mem-$name-$p" "$work/$name/bin/backprop" eval --file "$work/$p.bp" -x 0.5 --json >/dev/null
  done
done
echo "== --fields gradients (new only), 1 run"
for p in "${programs[@]}"; do
  /usr/bin/time -f "  $p --fields gradients: %e s, peak %M KB" \
    "$work/new/bin/backprop" eval --file "$work/$p.bp" -x 0.5 --fields gradients >/dev/null
done

"$py" - "$out/large.json" "$work" "${programs[@]}" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
work = sys.argv[2]
goals = {"sum100k": "<= 0.8 s", "sum1m": "<= 8 s, <= 600 MB"}
print(f"\n  {'program':10} {'base median [range]':>26} {'new median [range]':>26} {'new/base':>9} {'peak MB base -> new':>22}  goal (quiet machine)")
for p in sys.argv[3:]:
    b, n = results[f"base {p}"], results[f"new {p}"]
    mem = [int(open(f"{work}/mem-{k}-{p}").read()) / 1024 for k in ("base", "new")]
    fmt = lambda r: f"{r['median']:6.2f} s [{min(r['times']):.2f}-{max(r['times']):.2f}]"
    print(f"  {p:10} {fmt(b):>26} {fmt(n):>26} {n['median'] / b['median']:9.2f} {mem[0]:9.0f} -> {mem[1]:5.0f}  {goals.get(p, 'same proportion')}")
PY
