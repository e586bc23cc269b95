#!/usr/bin/env bash
# Whole-process CPU time (user + system) of `eval --json` on large programs, this checkout against
# another commit, in alternation (A B A B ...), so that a neighbour's load hits both alike: quicker
# than bench/large.sh for iterating on one change (same venv, source trees on PYTHONPATH).
#
#   bash bench/large_ab.sh [BASE_COMMIT] [ROUNDS] [PROGRAMS...]   # default: HEAD, 3, sum100k sin100k st50k
#
# Programs: sum100k, sin100k, st50k, sum1m (the programs of bench/large.sh). Prints per-round
# ratios new/base, their median and range, and the last round's peak memory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base=${1:-HEAD}
rounds=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(sum100k sin100k st50k)
py=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/base"
git -C "$root" archive "$base" | tar -x -C "$work/base"
"$py" "$here/large_programs.py" "$work"
export BACKPROP_NO_CACHE=1
cd "$work"  # python -m puts the current directory first on the path
cpu() {  # tree program -> user+sys seconds (and the peak memory in $work/mem-TREE)
  PYTHONPATH="$1" /usr/bin/time -f "%U %S %M" -o "$work/t" "$py" -m backprop_cli eval --file "$work/$2.bp" -x 0.5 --json >"$work/out-$(basename "$1")"
  awk '{print int($3 / 1024)}' "$work/t" >"$work/mem-$(basename "$1")"
  awk '{print $1 + $2}' "$work/t"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${programs[@]}"; do
  ratios=()
  line="$p:"
  for _ in $(seq "$rounds"); do
    b=$(cpu "$work/base" "$p")
    n=$(cpu "$root" "$p")
    cmp -s "$work/out-base" "$work/out-$(basename "$root")" || echo "  (the outputs differ: expected only across a change of the JSON schema)"
    r=$("$py" -c "print(f'{$n / $b:.2f}')")
    ratios+=("$r")
    line+=" base ${b}s new ${n}s ($r)"
  done
  echo "$line (peak MB: base $(cat "$work/mem-base"), new $(cat "$work/mem-$(basename "$root")"))"
  echo "  $p new/base CPU: median $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') [$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)-$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)]"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
