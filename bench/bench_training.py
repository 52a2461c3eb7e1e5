"""Training benchmark: seconds per optimizer step of SFT and of GRPO for the default model
(SmolLM2-135M-Instruct) on the CPU through the whole product -- ``run_launch``, the GPU-queue
Celery worker, progress events through the events worker into the database, checkpoints --
beside the same TRL configuration run as a bare script in this process, in the same session.

    .venv/bin/python bench/bench_training.py [--sft-steps 12] [--grpo-steps 4] [--rounds 1]

The product's per-step time is the gap between consecutive ``metrics`` events (the worker logs
every step); the bare script's is the gap between consecutive ``on_step_end`` calls. The
worker's own split of a step (generation, reward in the sandbox, update; tokens/s) is
reported beside it, as medians over the product run's steps. Medians
leave the first step out (warm-up). Rounds alternate product and bare so that a busy machine
slows both alike. Needs Redis (``REDIS_URL``); the database is a throwaway SQLite file.
Prints a table and writes ``var/bench/training.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "var" / "bench" / "training.json"
TMP = Path(tempfile.mkdtemp(prefix="atomlab-bench-training-"))
QUEUE = f"gpu-bench-{uuid.uuid4().hex[:6]}"
os.environ.setdefault("ATOMLAB_ENV", "development")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ.setdefault("ARTIFACT_ROOT", str(REPO / "var" / "artifacts"))  # the default model is there
os.environ["TRAINING_QUEUE"] = QUEUE
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

SFT = {"learning_rate": 1e-5, "per_device_train_batch_size": 4, "lr_scheduler_type": "constant"}
GRPO = {
    "learning_rate": 1e-6,
    "per_device_train_batch_size": 4,
    "num_generations": 4,
    "max_completion_length": 64,
    "beta": 0.0,
}


def _worker(app: str, queue: str, name: str) -> subprocess.Popen[bytes]:
    log = open(TMP / f"{name}.log", "wb")  # noqa: SIM115  # closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queue, "-n", f"{name}@bench",
         "--pool", "solo", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=REPO, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _median_step(times: list[float]) -> float:
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return statistics.median(gaps[1:] if len(gaps) > 2 else gaps)


def _snapshot() -> Any:
    """A frozen snapshot of the shipped atoms (English prompts, every row for training)."""
    from decimal import Decimal

    from webapp.atoms.services import library_load
    from webapp.mixtures.recipe import Item
    from webapp.mixtures.services import mixture_create, snapshot_freeze

    library_load()
    mixture = mixture_create(
        name=f"bench-{uuid.uuid4().hex[:6]}", by=None, items=[Item(source="atom_base", ratio=Decimal(100))]
    )
    return snapshot_freeze(version=mixture.latest, by=None)


def product(method: str, config: dict[str, Any], snapshot: Any, user: Any) -> dict[str, Any]:
    """One run through the product; per-step seconds from its metrics events."""
    from webapp.training.models import MetricPoint, RunEvent
    from webapp.training.services import LaunchRequest, run_launch

    started = time.perf_counter()
    run = run_launch(
        by=user, request=LaunchRequest(method=method, model="default", train_snapshot=snapshot, config=config)
    )
    while True:
        run.refresh_from_db()
        if run.finished:
            break
        time.sleep(0.5)
    if run.status != "succeeded":
        raise SystemExit(f"product {method} run {run.pk} {run.status}: {run.error}")
    stamps = list(
        RunEvent.objects.filter(run=run, type="metrics").order_by("step").values_list("timestamp", flat=True)
    )
    lengths = MetricPoint.objects.filter(run=run, name="completion_length").order_by("step")
    return {"run": run.pk, "steps": len(stamps), "wall_s": round(time.perf_counter() - started, 2),
            "s_per_step": _median_step(stamps), "split": _split(run),
            "completion_length": list(lengths.values_list("value", flat=True))}  # fmt: skip


#: The worker's own per-step measurements (training_worker.contracts): the step's wall time
#: and, for RL, its split into generation, reward (the sandbox) and update.
SPLIT = ("time/step_s", "time/generation_s", "time/reward_s", "time/update_s", "throughput/tokens_per_s")


def _split(run: Any) -> dict[str, float]:
    """Median over the run's steps (the first left out: warm-up) of each SPLIT metric the
    worker sent."""
    from webapp.training.models import MetricPoint

    out = {}
    for name in SPLIT:
        values = list(
            MetricPoint.objects.filter(run=run, name=name, step__gt=1, value__isnull=False)
            .order_by("step")
            .values_list("value", flat=True)
        )
        if values:
            out[name] = round(statistics.median(v for v in values if v is not None), 3)
    return out


def _split_text(split: dict[str, float]) -> str:
    parts = [f"{name.split('/')[1]} {value:.2f}" for name, value in split.items() if name != "time/step_s"]
    return (
        f"step {split.get('time/step_s', float('nan')):.2f} s: " + ", ".join(parts) if split else "no split"
    )


def _bare_sft(model: Any, tokenizer: Any, records: Any, config: dict[str, Any], out: str, clock: Any) -> None:
    """SFT with the worker's config and rows, straight through TRL."""
    from datasets import Dataset
    from trl import SFTTrainer

    from training_worker.configs import SFTMethodConfig, build_trl_args
    from training_worker.data import sft_rows

    args = build_trl_args(SFTMethodConfig.from_dict(config), out, cuda=False, seed=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(sft_rows(records)),
                         processing_class=tokenizer, callbacks=[clock])  # fmt: skip
    trainer.train()


def _bare_grpo(
    model: Any, tokenizer: Any, records: Any, config: dict[str, Any], out: str, clock: Any
) -> None:
    """GRPO with the worker's config, rows, prompt filter and sandbox reward, straight through TRL."""
    from datasets import Dataset
    from trl import GRPOTrainer

    from sandbox import SandboxClient
    from training_worker.configs import GRPOMethodConfig, build_trl_args
    from training_worker.data import rl_rows
    from training_worker.rewards import SandboxReward
    from training_worker.runners.rl import _fit_prompts  # the runner's own prompt filter

    cfg = GRPOMethodConfig.from_dict(config)
    client = SandboxClient(None)
    try:
        reward = SandboxReward(
            records, client, mode=cfg.reward_mode, format_weight=0.0, timeout_s=cfg.judge_timeout_s
        )
        args = build_trl_args(cfg, out, cuda=False, seed=0)
        data = Dataset.from_list(_fit_prompts(rl_rows(records), tokenizer, cfg.max_prompt_length))
        trainer = GRPOTrainer(
            model=model, reward_funcs=[reward], args=args, train_dataset=data,
            processing_class=tokenizer, callbacks=[clock],
        )  # fmt: skip
        trainer.train()
    finally:
        client.close()


def bare(method: str, config: dict[str, Any], snapshot: Any) -> dict[str, Any]:
    """The same TRL configuration in this process, no Celery, events or Redis."""
    import torch
    from transformers import TrainerCallback

    from training_worker.data import train_records
    from training_worker.models import load_causal_lm, load_tokenizer, prepare_default_model
    from webapp.training.dispatch import snapshot_uri

    stamps: list[float] = []
    lengths: list[float] = []

    class Clock(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, *args: Any, **kwargs: Any) -> None:
            stamps.append(time.time())

        def on_log(self, *args: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
            if logs and "completions/mean_length" in logs:
                lengths.append(float(logs["completions/mean_length"]))

    folder = prepare_default_model(os.environ["ARTIFACT_ROOT"])
    tokenizer = load_tokenizer(folder)
    torch.manual_seed(0)
    model = load_causal_lm(folder, base=folder, bf16=False)
    records = train_records([snapshot_uri(snapshot.sha256)])
    out = str(TMP / f"bare-{method}-{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    train = _bare_sft if method == "sft" else _bare_grpo
    train(model, tokenizer, records, config, out, Clock())
    return {
        "steps": len(stamps),
        "wall_s": round(time.perf_counter() - started, 2),
        "s_per_step": _median_step(stamps),
        "completion_length": lengths,
    }


def _measure(method: str, config: dict[str, Any], rounds: int, snapshot: Any, user: Any) -> dict[str, Any]:
    """``rounds`` product/bare pairs of one method, and their medians."""
    pairs = []
    for i in range(rounds):
        p = product(method, config, snapshot, user)
        b = bare(method, config, snapshot)
        print(
            f"  {method} round {i + 1}: product {p['s_per_step']:.3f} s/step, "
            f"bare {b['s_per_step']:.3f} s/step; the worker's split: {_split_text(p['split'])}",
            flush=True,
        )
        pairs.append({"product": p, "bare": b})
    prod = statistics.median(x["product"]["s_per_step"] for x in pairs)
    bar = statistics.median(x["bare"]["s_per_step"] for x in pairs)
    split = {name: round(statistics.median(x["product"]["split"][name] for x in pairs), 3)
             for name in SPLIT if all(name in x["product"]["split"] for x in pairs)}  # fmt: skip
    return {
        "config": config, "rounds": pairs, "product_s_per_step": round(prod, 4),
        "bare_s_per_step": round(bar, 4), "overhead_pct": round(100 * (prod - bar) / bar, 1),
        "split_median": split,
    }  # fmt: skip


def _print_table(results: dict[str, Any]) -> None:
    print(f"\n{'method':<6} {'product s/step':>15} {'bare s/step':>12} {'overhead':>9}")
    for method in results:
        r = results[method]
        print(
            f"{method:<6} {r['product_s_per_step']:>15.3f} {r['bare_s_per_step']:>12.3f} "
            f"{r['overhead_pct']:>8.1f}%"
        )
    for method in results:
        print(f"{method} per step, the worker's medians: {_split_text(results[method]['split_median'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sft-steps", type=int, default=12)
    parser.add_argument("--grpo-steps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="product/bare pairs per method")
    parser.add_argument("--only", choices=["sft", "grpo"], default=None, help="measure one method")
    opts = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from webapp.accounts.models import Role, User

    call_command("migrate", verbosity=0)
    from training_worker.models import prepare_default_model

    prepare_default_model(os.environ["ARTIFACT_ROOT"])
    user = User.objects.create_user(username="bench", password=uuid.uuid4().hex, role=Role.ADMIN)
    snapshot = _snapshot()
    print(f"snapshot {snapshot.short}: {snapshot.rows} rows; workers starting", flush=True)
    procs = [
        _worker("webapp.celery_app", "events", "events"),
        _worker("training_worker.celery_app", QUEUE, "gpu"),
    ]
    time.sleep(8)
    results: dict[str, Any] = {}
    try:
        for method, base, steps in (("sft", SFT, opts.sft_steps), ("grpo", GRPO, opts.grpo_steps)):
            if opts.only and method != opts.only:
                continue
            config = {**base, "max_steps": steps, "save_steps": steps}
            results[method] = _measure(method, config, opts.rounds, snapshot, user)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    report = {
        "machine": f"{platform.node()} {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        **results,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    _print_table(results)
    print(f"\nwritten to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
