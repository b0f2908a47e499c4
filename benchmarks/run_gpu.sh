#!/usr/bin/env bash
# One shot on a lent GPU machine, from the repository root (see DEVELOPERS.md, "On a lent
# GPU machine"): install the carried wheels, run suites/gpu.yaml and suites/gpu-text.yaml,
# then benchmarks/gpu_vs_bare.py, and write everything under $OUT (default results/gpu):
#   env.txt            nvidia-smi, torch and CUDA versions
#   bench.duckdb       the store: every cell, raw timing samples, memory, roofline
#   gpu.md, gpu-text.md    the Markdown leaderboards (`bench report --format markdown`)
#   run-*.log          bench's tables as printed
#   bare.json, bare.log    bench vs bare loop per cell (ratio, CV)
# Usage: bash benchmarks/run_gpu.sh
# Environment: OUT (results folder), SUITES (default "gpu gpu-text"), BARE_ARGS (extra
# arguments of gpu_vs_bare.py; SKIP_BARE=1 skips it), INSTALL=0 (use the current
# environment as it is). A CPU rehearsal of the whole script, in seconds:
#   INSTALL=0 SUITES="gpu-tiny gpu-text-tiny" BARE_ARGS=--tiny OUT=results/rehearsal \
#     bash benchmarks/run_gpu.sh
set -euo pipefail

OUT="${OUT:-results/gpu}"
SUITES="${SUITES:-gpu gpu-text}"
mkdir -p "$OUT"

if [[ "${INSTALL:-1}" == 1 ]]; then
  SITE="${SITE:-$PWD/.whl/site}"  # inside the ignored .whl/
  if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --target "$SITE" .whl/*.whl
  fi
  export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
  # The editable install where the machine's pip can build it offline; PYTHONPATH above
  # serves either way.
  python3 -m pip install -q --no-deps --no-index --no-build-isolation -e . \
    || echo "editable install skipped (no offline build backend); using PYTHONPATH"
fi

{
  nvidia-smi || true
  python3 -c "import torch, diffusers, transformers as t; print('torch', torch.__version__, \
    'cuda', torch.version.cuda, 'diffusers', diffusers.__version__, 'transformers', \
    t.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

DB="$OUT/bench.duckdb"
for suite in $SUITES; do
  # A failed cell is stored with its error and shown in the report; carry on.
  python3 -m benchbench run "suites/$suite.yaml" --db "$DB" 2>&1 | tee "$OUT/run-$suite.log" \
    || echo "bench run $suite exited non-zero; see $OUT/run-$suite.log"
  python3 -m benchbench report --db "$DB" --suite "$suite" --format markdown --out "$OUT/$suite.md"
done

if [[ "${SKIP_BARE:-0}" != 1 ]]; then
  # shellcheck disable=SC2086  # BARE_ARGS is a list of arguments
  python3 benchmarks/gpu_vs_bare.py ${BARE_ARGS:-} --json "$OUT/bare.json" 2>&1 \
    | tee "$OUT/bare.log"
fi
echo "results in $OUT"
