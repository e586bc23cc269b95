#!/usr/bin/env bash
# Start-up and scaling benchmark for backprop, with public tools only (hyperfine, /usr/bin/time,
# python -X importtime). Everything is measured side by side in one run, on one interpreter, and
# reported as ratios to `python -c pass`: absolute times on a shared machine are noise.
#
#   bash bench/run.sh            # needs hyperfine (apt-get install hyperfine)
#
# It installs the project non-editably into a fresh venv (an editable install adds an import hook
# to every start-up, the interpreter's included) and times that venv's console script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$root"
py="$work/venv/bin/python"
cd "$work"  # so that `python -m backprop_cli` imports the installed package, not a checkout in the cwd
bp="$work/venv/bin/backprop"
export BACKPROP_CACHE_DIR="$work/cache"
seed=(eval "(x+y)*z" -x -2 -y 5 -z -4)

# Removes cached parses (not Lark's grammar cache), so that each run parses its expression.
clear="find $BACKPROP_CACHE_DIR -name *.graph -delete"

echo "== start-up (hyperfine, medians; ratios to python -c pass)"
mkdir -p "$BACKPROP_CACHE_DIR"
# One --prepare per command, in order.
hyperfine -N --warmup 10 --runs 60 --export-json "$out/startup.json" \
  --prepare true --prepare true --prepare true --prepare "$clear" --prepare true \
  -n "python -c pass" "$py -c pass" \
  -n "eval --json" "$bp ${seed[*]} --json" \
  -n "eval (table)" "$bp ${seed[*]}" \
  -n "eval --json, parse cache miss" "$bp ${seed[*]} --json" \
  -n "eval --json, BACKPROP_NO_CACHE=1" "env BACKPROP_NO_CACHE=1 $bp ${seed[*]} --json" \
  >/dev/null

echo
echo "== long sums: x+x+...+x with --json, from a file, parsed every run"
for n in 10000 100000; do
  "$py" -c "import sys; print('+'.join(['x'] * $n))" >"$work/sum$n.bp"
done
hyperfine -N --warmup 1 --runs 5 --export-json "$out/sums.json" \
  --prepare "$clear" \
  -n "10,000 terms" "$bp eval --file $work/sum10000.bp -x 2 --json" \
  -n "100,000 terms" "$bp eval --file $work/sum100000.bp -x 2 --json" \
  >/dev/null

"$py" - "$out/startup.json" "$out/sums.json" <<'PY'
import json, sys
startup = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = startup["python -c pass"]["median"]
for name, r in startup.items():
    print(f"  {name:36} median {r['median'] * 1000:7.1f} ms   {r['median'] / base:5.2f}x python -c pass")
sums = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
for name, r in sums.items():
    print(f"  {name:36} median {r['median']:7.2f} s")
ratio = sums["100,000 terms"]["median"] / sums["10,000 terms"]["median"]
print(f"  100,000 / 10,000 terms: {ratio:.1f}x the time (linear would be 10x)")
PY

echo
echo "== peak memory, 100,000 terms (/usr/bin/time)"
/usr/bin/time -f "  peak RSS %M KB, %e s" "$bp" eval --file "$work/sum100000.bp" -x 2 --json >/dev/null

echo
echo "== what the --json path imports (python -X importtime; no lark, no rich on a cache hit)"
"$bp" "${seed[@]}" --json >/dev/null  # warm the parse cache, as a script's second call finds it
"$py" -X importtime -m backprop_cli "${seed[@]}" --json 2>"$work/imports.txt" >/dev/null
for mod in click lark rich json backprop_cli.cli; do
  if grep -qE "\| +$mod\$" "$work/imports.txt"; then
    us=$(grep -E "\| +$mod\$" "$work/imports.txt" | head -1 | awk -F'|' '{gsub(/ /,"",$2); print $2}')
    printf "  %-18s imported (%s us cumulative)\n" "$mod" "$us"
  else
    printf "  %-18s not imported\n" "$mod"
  fi
done
