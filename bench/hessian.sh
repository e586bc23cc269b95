#!/usr/bin/env bash
# The cost of --hessian: `eval --fields gradients` against `eval --fields gradients,hessian`, side by
# side in one hyperfine run per program, as ratios (absolute times on a shared machine are noise).
# Forward over reverse costs one tangent pass and one reverse pass per input: the ratio grows with
# the number of inputs (n), not with the depth.
#
#   bash bench/hessian.sh            # BACKPROP=path/to/backprop (default: .venv/bin/backprop)
set -euo pipefail
backprop=${BACKPROP:-.venv/bin/backprop}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BACKPROP_CACHE_DIR="$work/cache"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
open(f"{work}/neuron.bp", "w").write("sigmoid(w0*x0 + w1*x1 + w2)")
open(f"{work}/chain.bp", "w").write("sin(" * 10_000 + "x" + ")" * 10_000)
open(f"{work}/sum.bp", "w").write("+".join(["x*y"] * 10_000))
open(f"{work}/inputs.bp", "w").write(" + ".join(f"x{i}*x{i + 1}" for i in range(99)))
open(f"{work}/inputs.values", "w").write(" ".join(f"x{i}=0.5" for i in range(100)))
PY
run() {  # name, file, values...
  local name=$1 file=$2
  shift 2
  "$backprop" eval --file "$work/$file" "$@" --fields gradients >/dev/null  # warm the parse cache
  hyperfine -N --warmup 3 --runs "${RUNS:-15}" --export-json "$work/$name.json" \
    -n "gradients" "$backprop eval --file $work/$file $* --fields gradients" \
    -n "gradients,hessian" "$backprop eval --file $work/$file $* --fields gradients,hessian" >/dev/null
  python3 - "$work/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{sys.argv[2]:<34} gradients {r[0]['median'] * 1000:7.1f} ms   with hessian {r[1]['median'] * 1000:7.1f} ms   ratio {r[1]['median'] / r[0]['median']:.2f}")
PY
}
run "neuron (5 inputs, 10 nodes)" neuron.bp -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3
run "chain (1 input, 10,000 deep)" chain.bp -x 0.5
run "sum (2 inputs, 30,000 nodes)" sum.bp -x 2 -y 3
# shellcheck disable=SC2046
run "sum (100 inputs, 298 nodes)" inputs.bp $(cat "$work/inputs.values")
