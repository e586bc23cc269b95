#!/usr/bin/env bash
# Mutation testing (mutmut) over the core: the op table, the engine (reference and flat passes),
# the derivation and the gradient check. A developer tool, not run in CI: it takes minutes.
#
#   bash bench/mutation.sh                       # every mutant, from scratch
#   bash bench/mutation.sh "backprop_cli.gradcheck*"   # only these (mutant-name globs)
#   KEEP=1 bash bench/mutation.sh                # keep the verdicts of unchanged functions
#   JOBS=1 bash bench/mutation.sh                # one test process (default 2)
#   .venv-mutation/bin/mutmut results            # the survivors; mutmut show NAME shows one
#
# Each surviving mutant is a change to the code that no test noticed: kill it with a test, or
# explain why it is equivalent (docs/mutation.md lists them). The run works on a copy (mutants/,
# git-ignored); the tests it runs are the fast ones that exercise the core. What mutmut cannot
# mutate is applied by hand: .venv/bin/python bench/mutants_by_hand.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv="$root/.venv-mutation"
if [ ! -x "$venv/bin/mutmut" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -e '.[test]' 'mutmut>=3.8'
fi
if [ "${KEEP:-0}" = 1 ] && [ -d mutants ]; then
  # mutmut re-tests the functions that changed; its map of which tests run which function can be
  # stale for new functions, so it is rebuilt, and the survivors are tried again with it.
  rm -f mutants/mutmut-stats.json
  "$venv/bin/python" - <<'PY'
import glob, json
for path in glob.glob("mutants/backprop_cli/*.meta"):
    with open(path) as f:
        meta = json.load(f)
    codes = meta["exit_code_by_key"]
    for key, code in codes.items():
        if code in (0, 33):  # survived, or no test ran it
            codes[key] = None
    with open(path, "w") as f:
        json.dump(meta, f)
PY
elif [ $# -eq 0 ]; then
  rm -rf mutants
fi
"$venv/bin/mutmut" run --max-children "${JOBS:-2}" "$@"
"$venv/bin/mutmut" results
