"""Generation throughput of the built-in default model (SmolLM2-135M-Instruct) on this
machine: the ``generate`` job's transformers backend, batched (8 sequences per call, left
padding) against one prompt at a time (the baseline, measured in the same run), on the same
prompts: the first 16 difficulty-1 atoms of the library, asked through the chat template as
in training, greedy, at most 128 new tokens. Repetitions alternate the two modes; the
figures are medians.

    .venv/bin/python bench/bench_generation.py [--reps 3] [--prompts 16] [--max-new-tokens 128]
        [--batch-size 8] [--threads N] [--judge]

``--judge`` also runs the batched answers through the sandbox and prints how many pass.
Prints a table and writes the figures to ``var/bench/generation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training_worker.contracts import ProblemRecord  # noqa: E402
from training_worker.generation import (  # noqa: E402
    SampleOutput,
    SampleRequest,
    Sampling,
    TransformersBackend,
    prompt_ids,
    prompt_text,
)

OUT = REPO / "var" / "bench" / "generation.json"


def atom_records(count: int) -> list[ProblemRecord]:
    """The first ``count`` difficulty-1 atoms of the library as ``atom_base`` records (the
    library is plain data; the record is built as ``webapp.atoms.problems`` builds it)."""
    from webapp.atoms.library import load_library

    records = []
    for spec in load_library():
        if spec.difficulty != 1:
            continue
        records.append(
            ProblemRecord(
                task_id=f"atom_base/{spec.slug}/en",
                source="atom_base",
                lang="en",
                prompt=f"{spec.prompt_en}\n\n{spec.signature()}:\n",
                entry_point=spec.entry_point,
                solution=spec.solution,
                cases=[c.as_record() for c in spec.cases],
            )
        )
        if len(records) == count:
            break
    return records


def run_mode(
    backend: TransformersBackend, requests: list[SampleRequest], batch: int
) -> tuple[float, list[Any]]:
    """Wall seconds to generate every request ``batch`` at a time, and the outputs."""
    outputs: list[SampleOutput] = []
    started = time.perf_counter()
    for start in range(0, len(requests), batch):
        outputs += backend.generate(requests[start : start + batch])
    return time.perf_counter() - started, outputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--judge", action="store_true", help="judge the batched answers in the sandbox")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's, one per core)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from training_worker.models import load_causal_lm, load_tokenizer, prepare_default_model
    from training_worker.runners.common import quiet_libraries

    quiet_libraries()
    root = os.environ.get("ARTIFACT_ROOT", str(REPO / "var" / "artifacts"))
    path = prepare_default_model(root)
    model, tokenizer = load_causal_lm(path), load_tokenizer(path)
    records = atom_records(args.prompts)
    sampling = Sampling(temperature=0.0, max_new_tokens=args.max_new_tokens)
    backend = TransformersBackend(model, tokenizer, sampling, batch_size=args.batch_size)
    requests = [
        SampleRequest(
            prompt_ids(tokenizer, prompt_text(tokenizer, r, chat_template=True), chat_template=True), 0
        )
        for r in records
    ]
    backend.generate(requests[:2])  # warm-up (first-call allocations)

    load_before = os.getloadavg()  # other work on the machine skews every figure
    modes = {"batched": args.batch_size, "one_by_one": 1}
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    outputs: dict[str, list[SampleOutput]] = {}
    for rep in range(args.reps):
        for mode, batch in modes.items():
            seconds, outs = run_mode(backend, requests, batch)
            tokens = sum(o.completion_tokens for o in outs)
            runs[mode].append(
                {"seconds": seconds, "samples_per_s": len(outs) / seconds, "tokens_per_s": tokens / seconds}
            )
            outputs[mode] = outs
            print(f"rep {rep + 1} {mode:>10}: {seconds:6.1f} s, {tokens} tokens", flush=True)

    summary: dict[str, Any] = {}
    for mode in modes:
        summary[mode] = {
            key: statistics.median(r[key] for r in runs[mode])
            for key in ("seconds", "samples_per_s", "tokens_per_s")
        }
    same = sum(
        a.completion == b.completion for a, b in zip(outputs["batched"], outputs["one_by_one"], strict=True)
    )
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__,
                    "threads": torch.get_num_threads(), "cuda": torch.cuda.is_available(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "config": {"prompts": len(records), "max_new_tokens": args.max_new_tokens,
                   "batch_size": args.batch_size, "reps": args.reps, "greedy": True},
        "runs": runs,
        "median": summary,
        "speedup_samples_per_s": summary["batched"]["samples_per_s"] / summary["one_by_one"]["samples_per_s"],
        "identical_completions": same,
        "finish_reasons": {m: [o.finish_reason for o in outputs[m]].count("length") for m in modes},
    }  # fmt: skip
    if args.judge:
        from sandbox import JudgeRequest, SandboxClient, extract_code

        with SandboxClient() as client:
            verdicts = client.judge_batch(
                [
                    JudgeRequest(program=extract_code(o.completion, r.entry_point, r.prompt),
                                 entry_point=r.entry_point, cases=r.cases, id=r.task_id)
                    for o, r in zip(outputs["batched"], records, strict=True)
                ]
            )  # fmt: skip
        result["solved"] = {r.task_id: str(v.verdict) for r, v in zip(records, verdicts, strict=True)}
        result["answers"] = [
            {"task_id": r.task_id, "completion": o.completion, "finish_reason": o.finish_reason,
             "verdict": str(v.verdict), "error": (v.error or "")[:300]}
            for r, o, v in zip(records, outputs["batched"], verdicts, strict=True)
        ]  # fmt: skip
        print(f"solved greedily: {sum(v.passed for v in verdicts)}/{len(records)}")

    print()
    print(f"{'mode':>10} | {'median s':>8} | {'samples/s':>9} | {'tokens/s':>8}")
    for mode in modes:
        s = summary[mode]
        print(f"{mode:>10} | {s['seconds']:8.1f} | {s['samples_per_s']:9.3f} | {s['tokens_per_s']:8.1f}")
    print(f"batched / one-by-one: {result['speedup_samples_per_s']:.2f}x samples/s")
    print(f"identical completions {same}/{len(records)}; cut at max_new_tokens {result['finish_reasons']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"written to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
