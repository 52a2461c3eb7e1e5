"""The GPU worker's command line.

- ``python -m training_worker run spec.json [--events out.jsonl] [--redis URL] [--celery]``:
  run one JobSpec without Celery, events as JSON lines on stdout (or in a file). With
  ``--redis`` the job takes its lock, beats and polls the cancel flag as under Celery;
  with ``--celery`` events also go to the broker. ``--supervised`` is how
  :mod:`training_worker.ranks` starts each rank of a job of several processes.
- ``python -m training_worker prepare-default-model``: convert the built-in model once.
- ``python -m training_worker solve PROBLEMS.jsonl [--model default] [--limit 10]``: greedy
  answers judged in the sandbox, one line per problem and the count solved.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from training_worker.settings import WorkerSettingsError, heartbeat_seconds, load_or_exit


def _run(args: argparse.Namespace) -> int:
    from training_worker.contracts import ContractError, JobSpec
    from training_worker.events import EventSink, FanoutSink, JsonlSink
    from training_worker.jobs import run_job

    settings = load_or_exit()
    try:
        heartbeat_s = heartbeat_seconds()
    except WorkerSettingsError as exc:
        print(f"training_worker: configuration error: {exc}", file=sys.stderr)
        return 2
    text = Path(args.spec).read_text(encoding="utf-8")
    try:
        spec = JobSpec.from_json(text)
    except ContractError as exc:
        print(f"training_worker: {args.spec}: {exc}", file=sys.stderr)
        return 2
    out = open(args.events, "a", encoding="utf-8") if args.events else None  # noqa: SIM115
    sinks: list[EventSink] = [JsonlSink(out or sys.stdout)]
    # Libraries print to stdout; stdout is for events only.
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    if args.celery:
        from training_worker.celery_app import app
        from training_worker.events import CelerySink, HoldEnding

        # Supervised: the parent sends the job's one ending event, from the --events file.
        sinks.append(HoldEnding(CelerySink(app)) if args.supervised else CelerySink(app))
    control = None
    if args.redis:
        from training_worker.control import JobControl, redis_client

        control = JobControl(redis_client(args.redis), spec.job_id, heartbeat_s=heartbeat_s)
    try:
        outcome = run_job(
            spec,
            sink=FanoutSink(sinks),
            artifact_root=settings.artifact_root,
            control=control,
            heartbeat_s=heartbeat_s,
            spec_json=text,
            supervised=args.supervised,
        )
    finally:
        sys.stdout = real_stdout
        if out is not None:
            out.close()
    print(f"training_worker: job {spec.job_id} {outcome.status} at step {outcome.step}", file=sys.stderr)
    if outcome.error:
        print(f"training_worker: {outcome.error}", file=sys.stderr)
    ok = ("finished", "skipped", "cancelled") if args.supervised else ("finished", "skipped")
    return 0 if outcome.status in ok else 1


def _prepare(args: argparse.Namespace) -> int:
    from training_worker.models import prepare_default_model

    root = args.root or load_or_exit().artifact_root
    started = time.perf_counter()
    path = prepare_default_model(root, force=args.force)
    print(f"{path}  ({time.perf_counter() - started:.1f} s)")
    return 0


def _solve(args: argparse.Namespace) -> int:
    from sandbox import JudgeRequest, SandboxClient, extract_code
    from training_worker.data import read_records
    from training_worker.generation import generate_answers
    from training_worker.models import load_causal_lm, load_tokenizer, resolve_model
    from training_worker.runners.common import quiet_libraries

    quiet_libraries()
    records = [r for r in read_records(args.problems) if r.judgeable][: args.limit]
    path = resolve_model(args.model, args.root or load_or_exit().artifact_root)
    started = time.perf_counter()
    model, tokenizer = load_causal_lm(path), load_tokenizer(path)
    loaded = time.perf_counter() - started
    answers = generate_answers(model, tokenizer, records, max_new_tokens=args.max_new_tokens)
    generated = time.perf_counter() - started - loaded
    requests = [
        JudgeRequest(
            program=extract_code(a, r.entry_point, r.prompt),
            entry_point=r.entry_point,
            cases=r.cases or None,
            test=r.test,
            id=r.task_id,
        )
        for a, r in zip(answers, records, strict=True)
    ]
    with SandboxClient() as client:
        results = client.judge_batch(requests)
    solved = 0
    for record, answer, result in zip(records, answers, results, strict=True):
        solved += result.passed
        line: dict[str, Any] = {"task_id": record.task_id, "verdict": str(result.verdict)}
        if args.verbose:
            line["answer"] = answer
        print(json.dumps(line, ensure_ascii=False))
    print(
        f"solved {solved}/{len(records)} greedily; load {loaded:.2f} s, generation {generated:.1f} s",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m training_worker``."""
    parser = argparse.ArgumentParser(prog="python -m training_worker", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one JobSpec without Celery")
    run.add_argument("spec", help="a JobSpec JSON file")
    run.add_argument("--events", help="append events to this JSONL file instead of stdout")
    run.add_argument("--redis", help="Redis URL for the lock, heartbeat and cancel flag")
    run.add_argument("--celery", action="store_true", help="also send events through the broker")
    run.add_argument(
        "--supervised",
        action="store_true",
        help="a rank of a job of several processes (training_worker.ranks starts it): the parent "
        "holds the lock, beats and sends the ending event (written to --events)",
    )
    run.set_defaults(func=_run)
    prep = sub.add_parser("prepare-default-model", help="convert SmolLM2-135M-Instruct once")
    prep.add_argument("--root", help="artifact root (default: ARTIFACT_ROOT)")
    prep.add_argument("--force", action="store_true", help="convert again even if present")
    prep.set_defaults(func=_prepare)
    solve = sub.add_parser("solve", help="greedy answers to problems, judged in the sandbox")
    solve.add_argument("problems", help="a JSONL file of problem records")
    solve.add_argument("--model", default="default")
    solve.add_argument("--root", help="artifact root (default: ARTIFACT_ROOT)")
    solve.add_argument("--limit", type=int, default=10)
    solve.add_argument("--max-new-tokens", type=int, default=256)
    solve.add_argument("--verbose", action="store_true", help="print each answer too")
    solve.set_defaults(func=_solve)
    args = parser.parse_args(argv)
    return int(args.func(args))
