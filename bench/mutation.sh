#!/usr/bin/env bash
# Mutation testing (mutmut) over the core: the op table, the engine (reference and flat passes),
# the derivation and the gradient check. A developer tool, not run in CI: it takes minutes.
#
#   bash bench/mutation.sh            # then: .venv-mutation/bin/mutmut results
#
# Each surviving mutant is a change to the code that no test noticed: kill it with a test, or
# explain why it is equivalent (the closing notes list them). The run works on a copy
# (mutants/, git-ignored); the tests it runs are the fast ones that exercise the core.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv="$root/.venv-mutation"
if [ ! -x "$venv/bin/mutmut" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -e '.[test]' 'mutmut>=3.3'
fi
rm -rf mutants
"$venv/bin/mutmut" run --max-children "${JOBS:-2}"
"$venv/bin/mutmut" results
