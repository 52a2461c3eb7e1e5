"""Generation jobs (kind ``generate``) on this host's device, through ``run_job`` as a worker
runs them: every backend that can run here (transformers always; vLLM when it is installed
and CUDA is present), sampled twice with the same seed (the samples must agree) and once
greedily, and what each one saw. ``scripts/gpu_check.sh`` calls it with the default model.

    python scripts/gpu_generate_check.py [--model default|PATH] [--problems FILE]
        [--init-checkpoint URI] [--tiny] [--throughput] [--out DIR]
        [--once [--samples N] [--batch-size B]] [--require-cuda]

``--tiny`` builds the tests' tiny model offline and uses its problems (for a host without
the default model); ``--throughput`` also times a randomly initialised model of the default
model's shape (SmolLM2-135M: 30 layers, hidden 576), batched against one by one. ``--once``
runs one sampled job per backend on the same problems and protocol and prints its tokens per
second as ``gpu_check: generate_<backend>_tokens_per_s: <value>`` (completion tokens over the
job's generation time, model loading left out). ``--require-cuda`` refuses (exit status 2)
on a host without CUDA. Exit status 1 when a job failed or two runs of one seed disagreed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from training_worker.contracts import GenerationRecord, JobSpec  # noqa: E402
from training_worker.events import ListSink  # noqa: E402
from training_worker.jobs import run_job  # noqa: E402
from training_worker.storage import local_path  # noqa: E402


def generate(
    model: str, problems: Path, root: Path, config: dict[str, Any], init: str | None, seed: int = 0
) -> tuple[dict[str, Any], list[GenerationRecord]]:
    """One generate job; its terminal event's payload and its generations."""
    job_id = f"gpu-gen-{uuid.uuid4().hex[:8]}"
    spec = JobSpec(
        job_id=job_id, kind="generate", model=model, data_uris=[str(problems)],
        artifact_prefix=f"evals/{job_id}", method_config=config, seed=seed, init_checkpoint=init,
    )  # fmt: skip
    sink = ListSink()
    outcome = run_job(spec, sink=sink, artifact_root=str(root), heartbeat_s=5)
    terminal = sink.events[-1]
    payload = {"status": outcome.status, **terminal.payload}
    for event in sink.of_type("log"):
        print(f"    log: {event.payload['message']}")
    if outcome.status != "finished":
        return payload, []
    path = local_path(terminal.payload["generations_uri"])
    return payload, [GenerationRecord.from_json(line) for line in path.read_text().splitlines()]


def backends_here() -> list[str]:
    import importlib.util

    import torch

    backends = ["transformers"]
    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        backends.append("vllm")
    else:
        print("== vllm: skipped (needs the vllm package and CUDA)")
        print("gpu_check: generate_vllm_tokens_per_s: skipped (needs the vllm package and CUDA)")
    return backends


def tokens_per_second(args: argparse.Namespace, model: str, problems: Path, root: Path) -> bool:
    """One sampled job per backend, same problems, protocol and seed; a figure line each."""
    ok = True
    for backend in backends_here():
        config = {"n": args.samples, "temperature": 0.8, "top_p": 0.95, "max_new_tokens": args.max_new_tokens}
        config |= {"backend": backend, "batch_size": args.batch_size}
        print(f"== {backend}: {args.samples} samples per problem, up to {args.max_new_tokens} tokens")
        payload, rows = generate(model, problems, root, config, args.init_checkpoint, seed=5)
        print(f"  {json.dumps(payload)}")
        name = f"generate_{backend}" + ("_checkpoint" if args.init_checkpoint else "")
        if payload["status"] != "finished" or not rows:
            print(f"gpu_check: {name}_tokens_per_s: FAILED ({payload.get('error', payload['status'])})")
            ok = False
            continue
        tokens = sum(r.completion_tokens for r in rows)
        rate = tokens / payload["seconds"] if payload["seconds"] > 0 else float("nan")
        print(f"  first: {rows[0].completion[:200]!r}")
        print(f"gpu_check: {name}_tokens_per_s: {rate:.0f} ({tokens} tokens, {len(rows)} samples, "
              f"{payload['seconds']:.2f} s)")  # fmt: skip
    return ok


def check_backends(args: argparse.Namespace, model: str, problems: Path, root: Path) -> bool:
    ok = True
    for backend in backends_here():
        sampled = {"n": 4, "temperature": 0.8, "top_p": 0.95, "max_new_tokens": args.max_new_tokens}
        sampled |= {"backend": backend, "batch_size": 8}
        for name, config in (("sampled", sampled), ("greedy", {**sampled, "n": 1, "temperature": 0.0})):
            print(f"== {backend} {name}")
            first, rows = generate(model, problems, root, config, args.init_checkpoint, seed=5)
            print(f"  {json.dumps(first)}")
            if first["status"] != "finished":
                ok = False
                continue
            reasons = [r.finish_reason for r in rows]
            tokens = statistics.median(r.completion_tokens for r in rows)
            stops, lengths = reasons.count("stop"), reasons.count("length")
            print(f"  {len(rows)} samples, finish stop/length {stops}/{lengths}, median tokens {tokens}")
            print(f"  first: {rows[0].completion[:300]!r}")
            if name == "sampled":
                _, again = generate(model, problems, root, config, args.init_checkpoint, seed=5)
                same = sum(a.completion == b.completion for a, b in zip(rows, again, strict=True))
                print(f"  same seed again: {same}/{len(rows)} samples identical")
                ok = ok and same == len(rows)
    return ok


def throughput(tokenizer_dir: Path, prompts: int, max_new_tokens: int) -> None:
    """A random model of SmolLM2-135M's shape: batched against one by one, bf16 on CUDA."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from training_worker.generation import SampleRequest, Sampling, TransformersBackend
    from training_worker.models import load_tokenizer

    tokenizer = load_tokenizer(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048, tie_word_embeddings=True,
    )  # fmt: skip
    torch.manual_seed(0)
    cuda = torch.cuda.is_available()
    model = LlamaForCausalLM(config).to("cuda" if cuda else "cpu", torch.bfloat16 if cuda else torch.float32)
    backend = TransformersBackend(model, tokenizer, Sampling(max_new_tokens=max_new_tokens))
    backend.eos = []  # no end-of-turn token: every sample runs to max_new_tokens
    requests = [SampleRequest([1 + (i * 7 + j) % 300 for j in range(40 + i)], i) for i in range(prompts)]
    where = "cuda bf16" if cuda else "cpu fp32"
    print(f"== throughput: random SmolLM2-135M-shaped model, {prompts} x {max_new_tokens} tokens, {where}")
    backend.batch_size = 8
    backend.generate(requests[:8])  # warm-up
    for batch in (1, 8, prompts):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            for start in range(0, prompts, batch):
                backend.generate(requests[start : start + batch])
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
        seconds = statistics.median(times)
        print(f"  batch {batch:>3}: median {seconds:.2f} s, {prompts / seconds:.1f} samples/s, "
              f"{prompts * max_new_tokens / seconds:.0f} tokens/s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--problems", type=Path)
    parser.add_argument("--init-checkpoint")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny model and problems")
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--once", action="store_true", help="one sampled job per backend: tokens/s")
    parser.add_argument("--samples", type=int, default=8, help="with --once: samples per problem")
    parser.add_argument("--batch-size", type=int, default=32, help="with --once: sequences per batch")
    parser.add_argument("--require-cuda", action="store_true", help="exit 2 on a host without CUDA")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "gpu_check" / "generate")
    args = parser.parse_args()

    import torch

    from training_worker.runners.common import quiet_libraries

    quiet_libraries()
    print(f"torch {torch.__version__}, cuda {torch.cuda.is_available()}", flush=True)
    if args.require_cuda and not torch.cuda.is_available():
        print("gpu_generate_check: refused: no CUDA device here (torch.cuda.is_available() is False)")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    root = args.out / "artifacts"
    model, problems = args.model, args.problems
    if args.tiny:
        from tests.training_worker.tiny import build_tiny_model, write_problems

        model = str(build_tiny_model(args.out / "tiny-model"))
        problems = write_problems(args.out / "tiny.jsonl")
    if problems is None:
        parser.error("--problems FILE is needed without --tiny")
    ok = (tokens_per_second if args.once else check_backends)(args, model, problems, root)
    if args.throughput:
        from training_worker.models import resolve_model

        throughput(resolve_model(model, str(root)), prompts=32, max_new_tokens=128)
    done = "every job finished" if args.once else "all jobs finished, seeds reproduced"
    print(f"== generate check: {done if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
