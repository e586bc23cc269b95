#!/usr/bin/env bash
# Benchmark of `backprop batch` against the I/O libraries alone, with public tools only (hyperfine,
# /usr/bin/time). The machine is shared and noisy: every figure is a RATIO of two commands timed side
# by side in the same round, and each is given as the median and the range over ROUNDS rounds.
#
#   bash bench/batch.sh            # ROWS=1000000 ROUNDS=3 BIG=10000000 by default; needs hyperfine
#
# It installs the project non-editably into a fresh venv, as bench/run.sh does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rows=${ROWS:-1000000}
rounds=${ROUNDS:-3}
big=${BIG:-10000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$here/results"
mkdir -p "$out"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$root" 2>&1 | grep -v "Location" || true
py="$work/venv/bin/python"
bp="$work/venv/bin/backprop"
helper="$here/batch_bench.py"
export BACKPROP_CACHE_DIR="$work/cache"
neuron="sigmoid(w0*x0 + w1*x1 + w2)"
cd "$work"

echo "== data: $rows rows of the neuron's five inputs (w0, x0, w1, x1, w2), N(0, 1)"
for ext in csv jsonl parquet; do
  "$py" "$helper" data "$rows" "points.$ext"
  printf "  points.%-8s %s bytes\n" "$ext" "$(stat -c %s "points.$ext")"
done

# ratio NAME A B: runs A and B side by side ROUNDS times (hyperfine, 3 runs each), prints the median
# and range of median(A) / median(B).
ratio() {
  local name=$1 a=$2 b=$3 r
  : >"$work/ratios"
  for r in $(seq "$rounds"); do
    hyperfine -N --warmup 1 --runs 3 --export-json "$work/h.json" -n a "$a" -n b "$b" >/dev/null
    "$py" -c "import json; r = {x['command']: x['median'] for x in json.load(open('$work/h.json'))['results']}; print(r['a'] / r['b'], r['a'], r['b'])" >>"$work/ratios"
  done
  "$py" - "$name" "$work/ratios" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[2])]
ratios = [r[0] for r in rows]
a = statistics.median(r[1] for r in rows)
print(f"  {sys.argv[1]:58} {statistics.median(ratios):5.2f}x  (range {min(ratios):.2f}-{max(ratios):.2f}; batch {a:.2f} s)")
PY
}

echo
echo "== end to end, $rows rows: batch time / the libraries alone reading the input and writing the output's shape"
ratio "CSV -> CSV        / pyarrow read_csv + write_csv" \
  "$bp batch '$neuron' points.csv --output out.csv" "$py $helper baseline pyarrow-csv points.csv base.csv"
ratio "CSV -> CSV        / polars read_csv + write_csv" \
  "$bp batch '$neuron' points.csv --output out.csv" "$py $helper baseline polars-csv points.csv base.csv"
ratio "JSONL -> JSONL    / polars read_ndjson + write_ndjson" \
  "$bp batch '$neuron' points.jsonl --output out.jsonl" "$py $helper baseline polars-jsonl points.jsonl base.jsonl"
ratio "JSONL -> JSONL    / pyarrow read_json + polars write_ndjson" \
  "$bp batch '$neuron' points.jsonl --output out.jsonl" "$py $helper baseline pyarrow-jsonl points.jsonl base.jsonl"
ratio "Parquet -> Parquet / pyarrow read_table + write_table" \
  "$bp batch '$neuron' points.parquet --output out.parquet" "$py $helper baseline pyarrow-parquet points.parquet base.parquet"

echo
echo "== the kernel alone, in memory (rows/s as a share of a hand-written NumPy forward and backward pass)"
"$py" "$helper" kernel "$rows" 15

echo
echo "== versus one 'eval --json' process per row"
"$bp" eval "$neuron" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3 --json >/dev/null  # warm the parse cache
hyperfine -N --warmup 5 --runs 30 --export-json "$work/eval.json" \
  -n eval "$bp eval '$neuron' -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3 --json" >/dev/null
hyperfine -N --warmup 1 --runs 3 --export-json "$work/batch.json" \
  -n batch "$bp batch '$neuron' points.csv --output out.csv" >/dev/null
"$py" - "$work/eval.json" "$work/batch.json" "$rows" <<'PY'
import json, sys
per_process = json.load(open(sys.argv[1]))["results"][0]["median"]
batch = json.load(open(sys.argv[2]))["results"][0]["median"]
rows = int(sys.argv[3])
print(f"  eval --json: {per_process * 1000:.0f} ms per process; {rows:,} processes would take {per_process * rows / 3600:.1f} h")
print(f"  batch: {batch:.2f} s for {rows:,} rows: {per_process * rows / batch:,.0f}x faster")
PY

echo
echo "== $big rows streamed from standard input (peak memory and time, /usr/bin/time); time linear in rows"
"$py" "$helper" data "$big" big.csv
for file in points.csv big.csv; do
  /usr/bin/time -f "%M %e" -o "$work/time.txt" "$bp" batch "$neuron" - <"$file" >/dev/null
  read -r kb seconds <"$work/time.txt"
  lines=$(($(wc -l <"$file") - 1))
  printf "  %'12d rows: peak RSS %4d MB, %6.1f s, %5.2f us/row\n" "$lines" $((kb / 1024)) "$seconds" \
    "$("$py" -c "print($seconds / $lines * 1e6)")"
done

echo
echo "== what 'eval --json' imports (python -X importtime): no NumPy, pyarrow or polars"
"$py" -X importtime -m backprop_cli eval "$neuron" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3 --json 2>"$work/imports.txt" >/dev/null
for mod in numpy pyarrow polars; do
  if grep -qE "\| +$mod\$" "$work/imports.txt"; then echo "  $mod imported"; else echo "  $mod not imported"; fi
done
