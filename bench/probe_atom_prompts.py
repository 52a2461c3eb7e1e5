"""Why does the default model solve so few easy atoms? Greedy answers of the built-in model to
the first N difficulty-1 atoms under a few ways of asking, judged by the real sandbox, with
the verdict, the finish reason and the judge's error of every answer.

    .venv/bin/python bench/probe_atom_prompts.py [--atoms 8] [--max-new-tokens 256]

Ways of asking: ``chat`` (what training and evaluation use: the task text, the signature,
"answer with one python block", through the chat template); ``chat_code`` (the signature and
the task as a docstring, HumanEval style, through the chat template); ``raw`` (the same code
prompt continued without the chat template, stopped at the next top-level statement).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_generation import atom_records  # noqa: E402
from training_worker.contracts import ProblemRecord  # noqa: E402


def code_prompt(record: ProblemRecord) -> str:
    """The atom as a HumanEval-style prompt: signature, then the task as a docstring."""
    text, signature = record.prompt.rstrip().rsplit("\n\n", 1)
    return f'{signature}\n    """{text}"""\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--atoms", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    args = parser.parse_args()

    from sandbox import JudgeRequest, SandboxClient, extract_code
    from training_worker.generation import (
        SampleRequest,
        Sampling,
        TransformersBackend,
        prompt_ids,
        prompt_text,
    )
    from training_worker.models import load_causal_lm, load_tokenizer, prepare_default_model
    from training_worker.runners.common import quiet_libraries

    quiet_libraries()
    path = prepare_default_model(os.environ.get("ARTIFACT_ROOT", str(REPO / "var" / "artifacts")))
    model, tokenizer = load_causal_lm(path), load_tokenizer(path)
    atoms = atom_records(args.atoms)
    ways = {
        "chat": (atoms, True, ()),
        "chat_code": ([dataclasses.replace(r, prompt=code_prompt(r)) for r in atoms], True, ()),
        "raw": (
            [dataclasses.replace(r, prompt=code_prompt(r)) for r in atoms],
            False,
            ("\ndef ", "\nif ", "\nprint("),
        ),
    }
    with SandboxClient() as client:
        for way, (records, chat, stop) in ways.items():
            backend = TransformersBackend(
                model, tokenizer, Sampling(max_new_tokens=args.max_new_tokens, stop=stop), batch_size=8
            )
            texts = [prompt_text(tokenizer, r, chat_template=chat) for r in records]
            requests = [SampleRequest(prompt_ids(tokenizer, t, chat_template=chat), 0) for t in texts]
            outputs = []
            for start in range(0, len(requests), 8):
                outputs += backend.generate(requests[start : start + 8])
            programs = [
                extract_code(o.completion, r.entry_point, r.prompt)
                for o, r in zip(outputs, records, strict=True)
            ]
            results = client.judge_batch(
                [JudgeRequest(program=p, entry_point=r.entry_point, cases=r.cases, id=r.task_id)
                 for p, r in zip(programs, records, strict=True)]
            )  # fmt: skip
            print(f"== {way}: {sum(r.passed for r in results)}/{len(records)} passed", flush=True)
            for record, out, program, result in zip(records, outputs, programs, results, strict=True):
                error = (result.error or next((c.error for c in result.cases if c.error), "") or "").strip()
                failed = [c for c in result.cases if not c.passed]
                detail = (
                    error.splitlines()[-1][:120]
                    if error
                    else (f"{len(failed)}/{len(result.cases)} cases wrong" if failed else "")
                )
                ending = f"{out.finish_reason:6} {out.completion_tokens:4}"
                print(f"  {record.task_id:40} {result.verdict!s:14} {ending} {detail}")
                if os.environ.get("VERBOSE"):
                    print("    completion:", repr(out.completion[:600]))
                    print("    program:", repr(program[:400]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
