#!/usr/bin/env bash
# The time of `backprop diff` on a long sum and a deep chain (issue 10: both linear, each under 3 s),
# or of another command that takes a program alone (`export`: the same goal, linear).
#
#   bash bench/diff_time.sh [RUNS] [COMMAND...]     # default 3 runs of each size, of `diff`
#   bash bench/diff_time.sh 3 export --to latex
#
# Sums of n terms sin(x + i)*y and chains sin(sin(...(x))) n deep, for n = 5,000, 10,000 and 20,000:
# linear means the time doubles with n (read the 20k/10k and 10k/5k ratios). The machine is shared,
# so wall time depends on the neighbours' load: the CPU time (user + sys, from /usr/bin/time) is
# printed beside it, and the load average before the runs. Every run parses (BACKPROP_NO_CACHE=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-3}
shift || true
command=("${@:-diff}")
backprop=${BACKPROP:-$root/.venv/bin/backprop}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BACKPROP_NO_CACHE=1

python3 - "$work" <<'PY'
import sys
d = sys.argv[1]
for n in (5_000, 10_000, 20_000):
    open(f"{d}/sum{n}.bp", "w").write(" + ".join(f"sin(x + {i})*y" for i in range(n)))
    open(f"{d}/chain{n}.bp", "w").write("sin(" * n + "x" + ")" * n)
PY

echo "backprop ${command[*]}; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %8s %8s %8s\n' program wall_s cpu_s out_kB
for kind in sum chain; do
  for n in 5000 10000 20000; do
    for _ in $(seq "$runs"); do
      /usr/bin/time -f "%e %U %S" -o "$work/t" "$backprop" "${command[@]}" --file "$work/$kind$n.bp" > "$work/out"
      read -r wall user sys < "$work/t"
      printf '%-12s %8s %8.2f %8d\n' "$kind$n" "$wall" "$(echo "$user + $sys" | bc)" "$(( $(wc -c < "$work/out") / 1024 ))"
    done
  done
done
