"""What every runner shares: the job's context, model loading, and the TrainerCallback that
turns TRL's loop into events, checkpoints in storage, rollout files and cooperative cancel."""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from training_worker.configs import MethodConfig, TypedConfig
from training_worker.contracts import JobSpec
from training_worker.control import Heartbeat, JobControl
from training_worker.events import Emitter
from training_worker.models import cache_dir, load_causal_lm, load_tokenizer, resolve_model
from training_worker.runners.telemetry import StepTelemetry, progress_line
from training_worker.storage import Storage, materialise_dir, resolve_uri

log = logging.getLogger("training_worker.progress")

CHECKPOINTS = "checkpoints"
ROLLOUTS = "rollouts"


class JobStopped(Exception):
    """Raised inside the loop when the job must stop for a reason other than cancel."""


@dataclass
class RunContext:
    """Everything a runner needs about its job."""

    spec: JobSpec
    config: TypedConfig
    emitter: Emitter
    artifact_root: str
    control: JobControl | None = None
    heartbeat: Heartbeat | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="atomlab-job-")))

    @property
    def artifacts(self) -> Storage:
        """The job's artifact storage (``spec.artifact_prefix``; a relative prefix such as
        ``evals/7`` lies under the worker's artifact root)."""
        return Storage(resolve_uri(self.spec.artifact_prefix, self.artifact_root))

    @property
    def data_uris(self) -> list[str]:
        """``spec.data_uris``, a relative one under the worker's artifact root."""
        return [resolve_uri(uri, self.artifact_root) for uri in self.spec.data_uris]

    @property
    def cuda(self) -> bool:
        """Whether this worker trains on CUDA."""
        return bool(torch.cuda.is_available())

    @property
    def seed(self) -> int:
        """The seed in force: the config's when set, the job's otherwise."""
        seed = getattr(self.config, "seed", None)
        return seed if isinstance(seed, int) else self.spec.seed

    def output_dir(self) -> Path:
        """Where TRL writes checkpoints: straight into the artifact folder when it is local,
        otherwise a local folder uploaded after each save."""
        path = self.artifacts.path(CHECKPOINTS) if self.artifacts.local else self.workdir / CHECKPOINTS
        path.mkdir(parents=True, exist_ok=True)
        return path

    def cleanup(self) -> None:
        """Remove the local scratch folder."""
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class RunResult:
    """How a runner ended."""

    status: str  # "finished" or "cancelled"
    step: int
    checkpoint: str | None
    metrics: dict[str, float]
    #: The terminal event's payload when the runner has its own (generation); else
    #: ``{checkpoint, metrics}``.
    payload: dict[str, Any] | None = None


def check_device(ctx: RunContext) -> None:
    """Refuse settings this machine cannot honour, naming the field."""
    from training_worker.configs import ConfigError

    assert isinstance(ctx.config, MethodConfig)
    if ctx.config.bf16 and not ctx.cuda:
        raise ConfigError("bf16", "needs a CUDA device; this worker has none")
    if ctx.config.num_processes > 1:
        # One process per GPU (NCCL) or, without CUDA, per group of CPU cores (gloo);
        # training_worker.ranks starts them and refuses more than the worker has.
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world != ctx.config.num_processes:
            raise ConfigError(
                "num_processes",
                f"{ctx.config.num_processes} asked, but this job runs in {world} process(es); "
                "start it through the Celery task (training_worker.ranks) or under torchrun",
            )
    if getattr(ctx.config, "use_vllm", False):
        if not ctx.cuda:
            raise ConfigError("use_vllm", "needs a CUDA device; this worker has none")
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise ConfigError("use_vllm", "vllm is not installed on this worker (pip install '.[gpu]')")


def model_folders(ctx: RunContext) -> tuple[Path, Path, Path]:
    """``(base, source, tokenizer)`` folders: ``spec.model``; the folder the weights come from
    (``spec.init_checkpoint`` when set, else the base); the one holding the tokenizer (the
    checkpoint's when it saved one, else the base's)."""
    base = resolve_model(ctx.spec.model, ctx.artifact_root)
    source = base
    if ctx.spec.init_checkpoint:
        checkpoint = resolve_uri(ctx.spec.init_checkpoint, ctx.artifact_root)
        source = materialise_dir(checkpoint, cache_dir() / "remote")
    tokenizer_dir = source if (source / "tokenizer_config.json").exists() else base
    return base, source, tokenizer_dir


def load_model_and_tokenizer(ctx: RunContext, *, bf16: bool | None = None) -> tuple[Any, Any, Path]:
    """The policy to train and its tokenizer: ``spec.model``, or ``spec.init_checkpoint``
    (an earlier run's checkpoint; a LoRA one is merged into ``spec.model``). Returns the
    folder the weights came from too. ``bf16`` defaults to the config's."""
    base, source, tokenizer_dir = model_folders(ctx)
    tokenizer = load_tokenizer(tokenizer_dir)
    torch.manual_seed(ctx.seed)
    if bf16 is None:
        bf16 = bool(getattr(ctx.config, "bf16", False))
    model = load_causal_lm(source, base=base, bf16=bf16)
    if model.generation_config is not None and model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer, source


def resume_path(ctx: RunContext) -> str | None:
    """The local folder of ``spec.resume_checkpoint`` (None for a fresh start)."""
    if not ctx.spec.resume_checkpoint:
        return None
    checkpoint = resolve_uri(ctx.spec.resume_checkpoint, ctx.artifact_root)
    return str(materialise_dir(checkpoint, ctx.workdir / "resume"))


def peft_config(config: MethodConfig) -> Any:
    """A ``peft.LoraConfig`` when the config asks for LoRA, else None."""
    if not config.use_lora:
        return None
    from peft import LoraConfig

    return LoraConfig(**config.lora_kwargs())


def _metrics(logs: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in logs.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if math.isfinite(value):
            out[key] = float(value)
    # Stable names for the run page's standard curves, whatever the trainer called them.
    if "completions/mean_length" in out:
        out["completion_length"] = out["completions/mean_length"]
    return out


class JobCallback(TrainerCallback):
    """Events, checkpoints, rollouts and cancel around TRL's loop.

    - every log: a ``metrics`` event with the step's time split, tokens/s and peak memory
      (:class:`~training_worker.runners.telemetry.StepTelemetry`; a runner calls
      ``callback.telemetry.time_stages(trainer)`` for the RL split), a progress line in the
      job's log, and, for RL, the step's rollouts as a JSONL file and a ``generations`` event
      pointing at it;
    - every save: the checkpoint copied to the job's storage when that is not local, and a
      ``checkpoint`` event with its URI;
    - every step end: the cancel flag is polled; when set, a checkpoint is saved and the
      loop stops (cooperative cancel); a lost job lock stops it too.
    """

    def __init__(self, ctx: RunContext, reward: Any = None) -> None:
        self.ctx = ctx
        self.reward = reward
        self.cancelled = False
        self.lock_lost = False
        self.last_checkpoint: str | None = ctx.spec.resume_checkpoint
        self.last_metrics: dict[str, float] = {}
        self.summary: dict[str, float] = {}
        self.telemetry = StepTelemetry(cuda=ctx.cuda)

    # The loop runs on every rank under `accelerate launch`; only rank 0 reports.
    def _main(self, state: TrainerState) -> bool:
        return bool(state.is_world_process_zero)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        """Metrics event (and rollouts file) for this logging step."""
        rows = self._gathered_rollouts()  # every rank takes part
        if not logs or not self._main(state):
            return
        metrics = _metrics(logs)
        if "train_runtime" in metrics:  # the closing summary, not a step
            self.summary = metrics
            return
        if rows and _world() > 1:  # the trainer averaged rank 0's shares only
            metrics.update({k: 0.0 for k in metrics if k.startswith("rollouts/")} | _shares(rows))
        tokens = metrics.get("num_tokens", float(state.num_input_tokens_seen or 0) or None)
        metrics.update(self.telemetry.metrics(tokens))
        self.last_metrics = metrics
        self.ctx.emitter.emit("metrics", metrics, step=state.global_step)
        log.info(progress_line(state.global_step, int(state.max_steps or 0), metrics))
        self._flush_rollouts(state.global_step, rows)

    def _gathered_rollouts(self) -> list[dict[str, Any]]:
        """The rollout rows judged since the last log, on every rank (RL)."""
        if self.reward is None:
            return []
        rows: list[dict[str, Any]] = self.reward.drain()
        if _world() > 1:
            parts: list[Any] = [None] * _world()
            torch.distributed.all_gather_object(parts, rows)
            rows = [row for part in parts for row in part]
        return rows

    def _flush_rollouts(self, step: int, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        import json

        key = f"{ROLLOUTS}/step-{step:06d}.jsonl"
        text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        uri = self.ctx.artifacts.write_text(key, text)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["category"]] = counts.get(r["category"], 0) + 1
        self.ctx.emitter.emit("generations", {"uri": uri, "rows": len(rows), "categories": counts}, step=step)

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **_: Any
    ) -> None:
        """Start the telemetry's first window."""
        self.telemetry.train_begins(float(state.num_input_tokens_seen or 0))

    def on_step_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **_: Any
    ) -> None:
        """Start timing the step."""
        self.telemetry.step_begins()

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **_: Any
    ) -> None:
        """Time the step, then poll the cancel flag (rank 0 decides; every rank follows)."""
        self.telemetry.step_ends()
        stop = 0
        if self._main(state):
            if self.ctx.control is not None and self.ctx.control.cancel_requested():
                stop = 1
            elif self.ctx.heartbeat is not None and self.ctx.heartbeat.lost.is_set():
                stop = 2
        stop = _broadcast(stop)
        if stop:
            self.cancelled = stop == 1
            self.lock_lost = stop == 2
            control.should_save = True
            control.should_training_stop = True

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **_: Any
    ) -> None:
        """Copy the checkpoint TRL just wrote to storage (if remote) and report it."""
        if _world() > 1:
            torch.distributed.barrier()  # every rank has written its part (its RNG state)
        if not self._main(state):
            return
        name = f"checkpoint-{state.global_step}"
        local = Path(str(args.output_dir)) / name
        key = f"{CHECKPOINTS}/{name}"
        artifacts = self.ctx.artifacts
        uri = artifacts.uri(key) if artifacts.local else artifacts.put_dir(local, key)
        self.last_checkpoint = uri
        self.ctx.emitter.emit("checkpoint", {"uri": uri, "step": state.global_step}, step=state.global_step)


def _world() -> int:
    """Processes in this job's process group (1 outside one)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return int(torch.distributed.get_world_size())
    return 1


def _shares(rows: list[dict[str, Any]]) -> dict[str, float]:
    """``rollouts/<category>``: each category's share of ``rows``."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["category"]] = counts.get(row["category"], 0) + 1
    return {f"rollouts/{category}": n / len(rows) for category, n in counts.items()}


def _broadcast(value: int) -> int:
    """Rank 0's value on every rank (a no-op in a single process)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return value
    device = (
        torch.device("cuda", torch.cuda.current_device())
        if torch.cuda.is_available()
        else torch.device("cpu")
    )
    tensor = torch.tensor([value], device=device)
    torch.distributed.broadcast(tensor, src=0)
    return int(tensor.item())


def finish(ctx: RunContext, trainer: Any, callback: JobCallback) -> RunResult:
    """The runner's result after ``trainer.train`` returned."""
    if callback.lock_lost:
        raise JobStopped("another worker took over this job (its lock expired); stopped at a checkpoint")
    step = int(trainer.state.global_step)
    metrics = {**callback.last_metrics, **callback.summary}
    return RunResult(
        status="cancelled" if callback.cancelled else "finished",
        step=step,
        checkpoint=callback.last_checkpoint,
        metrics=metrics,
    )


def drop_printer(trainer: Any) -> None:
    """Remove transformers' PrinterCallback: it prints every log dict to stdout, where the
    CLI writes its JSON events (the events carry the same numbers)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def quiet_libraries() -> None:
    """Keep transformers/datasets progress bars and advisory warnings out of job logs."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    try:
        import datasets
    except ImportError:  # a generation-only host needs no datasets
        pass
    else:
        datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
