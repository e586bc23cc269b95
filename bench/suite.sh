#!/usr/bin/env bash
# The test suite's wall time: two commits side by side, alternating, with the README's test command.
#
#   bash bench/suite.sh BASE_COMMIT [NEW_COMMIT] [ROUNDS]    # NEW defaults to HEAD, 1 round (~3-15 minutes)
#
# Each commit is exported (git archive) into a temporary tree and its suite runs there with
# the pytest options of that commit's README test command (e.g. `-n 2 --dist worksteal`) and
# `-q -p no:cacheprovider`, the package imported from that tree
# (PYTHONPATH, which comes before this checkout's editable install; subprocesses inherit it), the test
# tools from this checkout's .venv. The rounds alternate BASE, NEW, BASE, NEW... so that a neighbour's
# load falls on both; each run prints its wall time, its CPU time (user + sys, the workers and every
# process they started) and the load average before and after. Compare ratios, and CPU when the
# machine is loaded: wall time on a shared 2-core machine says more about the neighbours than the suite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base=${1:?usage: bash bench/suite.sh BASE_COMMIT [NEW_COMMIT] [ROUNDS]}
new=${2:-HEAD}
rounds=${3:-1}
pytest="$root/.venv/bin/pytest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in base new; do
  mkdir "$work/$name"
  commit=$([ "$name" = base ] && echo "$base" || echo "$new")
  git -C "$root" archive "$commit" | tar -x -C "$work/$name"
  # The options after .venv/bin/pytest on the README's test-command line, as CI reads that line.
  grep -A2 '<!-- test-command' "$work/$name/README.md" | sed -n 's/^python3 -m venv .*\.venv\/bin\/pytest\(.*\)$/\1/p' \
    | head -n 1 >"$work/$name.args"
  echo "$name = $(git -C "$root" log -1 --format='%h %s' "$commit" | cut -c1-100) (pytest$(cat "$work/$name.args"))"
done
echo "cores: $(nproc)"
for round in $(seq "$rounds"); do
  for name in base new; do
    load_before=$(cut -d' ' -f1 /proc/loadavg)
    report="$work/$name.time"
    (cd "$work/$name" && PYTHONPATH="$work/$name" /usr/bin/time -o "$report" -f "%e %U %S" \
      "$pytest" $(cat "$work/$name.args") -q -p no:cacheprovider >"$work/$name.out" 2>&1) || true
    read -r wall user sys <"$report"
    summary=$(tail -n 1 "$work/$name.out")
    printf 'round %s %-4s wall %6.1f s  cpu %6.1f s  load %s -> %s  %s\n' "$round" "$name" "$wall" \
      "$(awk "BEGIN { print $user + $sys }")" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" "$summary"
  done
done
