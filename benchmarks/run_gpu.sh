#!/usr/bin/env bash
# One shot on a lent GPU machine, from the repository root (see DEVELOPERS.md, "On a lent
# GPU machine"): install the carried wheels, run suites/gpu.yaml and suites/gpu-text.yaml
# through benchmarks/gpu_vs_bare.py (bench and a bare CUDA loop, cell by cell, in one
# process; bench's runs are kept), and write everything under $OUT (default results/gpu):
#   env.txt                nvidia-smi, torch, CUDA, diffusers and transformers versions
#   bench.duckdb           the store: every cell, raw timing samples, memory, roofline
#   gpu.md, gpu-text.md,   the Markdown leaderboards (`bench report --format markdown`)
#   audio.md
#   site/                  the HTML leaderboard
#   bare.json, bare.log    bench vs bare loop per cell (samples/s, ratio, CV)
#   audio_speed.txt        benchmarks/audio_speed.py on the GPU (AUDIO=0 skips the audio step)
#   variants.txt, variants.md, variants-text.md
#                          speed variants: eager vs compiled vs channels-last vs bf16 autocast
# Usage: bash benchmarks/run_gpu.sh
# Environment: OUT; SUITES (default "gpu gpu-text"); ROUNDS (default 1); PAIRS (default 0)
# adds the paired bench-vs-bare comparison on one loaded model, 12 calls per pair and cell
# (PAIRS=10 costs minutes on the Stable Diffusion cells); SKIP_BARE=1 runs
# the suites with `bench run` alone; INSTALL=0 uses the current environment as it is.
# A CPU rehearsal of the whole script, in minutes, with the toy-size twins:
#   INSTALL=0 SUITES="gpu-tiny gpu-text-tiny" OUT=results/rehearsal bash benchmarks/run_gpu.sh
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
paths=()
for suite in $SUITES; do paths+=("suites/$suite.yaml"); done
if [[ "${SKIP_BARE:-0}" == 1 ]]; then
  for path in "${paths[@]}"; do
    # A failed cell is stored with its error and shown in the report; carry on.
    python3 -m benchbench run "$path" --db "$DB" || echo "bench run $path exited non-zero"
  done
else
  python3 benchmarks/gpu_vs_bare.py --rounds "${ROUNDS:-1}" --pairs "${PAIRS:-0}" --db "$DB" \
    --json "$OUT/bare.json" \
    "${paths[@]}" 2>&1 | tee "$OUT/bare.log"
fi

# The audio family: suites/audio.yaml (device: auto, so on the GPU where there is one) and
# the samplers' speed (WaveNet naive vs cached, WaveGAN, DiffWave's steps curve).
if [[ "${AUDIO:-1}" == 1 ]]; then
  python3 -m benchbench run suites/audio.yaml --db "$DB" || echo "bench run suites/audio.yaml exited non-zero"
  python3 benchmarks/audio_speed.py --device "${AUDIO_DEVICE:-auto}" --batch 16 --rounds 3 \
    | tee "$OUT/audio_speed.txt"
  python3 -m benchbench report --db "$DB" --suite audio --format markdown --out "$OUT/audio.md"
fi

# Speed variants (eager, torch.compile, channels-last, bf16 autocast) of the DDPM UNet, the
# DCGAN and the GPT: `bench run`'s table, kept in variants.txt, shows each variant's speed-up
# over eager with its interval and the compile seconds apart (VARIANTS=0 skips this step).
if [[ "${VARIANTS:-1}" == 1 ]]; then
  for suite in variants variants-text; do
    python3 -m benchbench run "suites/$suite.yaml" --db "$DB" 2>&1 | tee -a "$OUT/variants.txt" \
      || echo "bench run suites/$suite.yaml exited non-zero"
    python3 -m benchbench report --db "$DB" --suite "$suite" --format markdown --out "$OUT/$suite.md"
  done
fi

for suite in $SUITES; do
  python3 -m benchbench report --db "$DB" --suite "$suite" --format markdown --out "$OUT/$suite.md"
done
python3 -m benchbench report --db "$DB" --out "$OUT/site"
echo "results in $OUT"
