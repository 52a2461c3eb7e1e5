"""Writes of the training app (STYLE rule 2): launch, cancel and resume runs.

Every way in (the launch form, ``manage.py launch_run``, Clone, Resume) goes through these
functions, so a launch the form refuses is refused on the command line with the same field
and reason, and never reaches a worker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from training_worker.configs import (
    ConfigError,
    GRPOMethodConfig,
    MethodConfig,
    RLOOMethodConfig,
    SFTMethodConfig,
)
from training_worker.control import job_key
from webapp.accounts.models import User
from webapp.core.access import Action, can_act_on, require, require_owner_or_admin
from webapp.core.artifacts import artifact_storage
from webapp.core.dispatch import control_for, revoke
from webapp.core.jobs import job_cancel
from webapp.core.jobtime import span_seconds
from webapp.core.models import HEARTBEAT_SECONDS, JobStatus
from webapp.core.protocol import Protocol, ProtocolError
from webapp.mixtures.models import ItemRole, Snapshot
from webapp.mixtures.problems import snapshot_by_hash
from webapp.mixtures.services.contamination import ContaminationError, contamination_check
from webapp.training.dispatch import run_dispatch
from webapp.training.models import Checkpoint, Method, MetricPoint, RunEvent, TrainingRun

log = logging.getLogger(__name__)

CONFIG_CLASSES: dict[str, type[MethodConfig]] = {
    Method.SFT: SFTMethodConfig,
    Method.GRPO: GRPOMethodConfig,
    Method.RLOO: RLOOMethodConfig,
}


@dataclass(frozen=True)
class Preset:
    """A named starting point for the launch form: a method and config values."""

    name: str
    label: str
    method: str
    config: dict[str, Any]
    help: str
    #: It starts from a finished run's checkpoint (``model`` = ``run:ID``), not a base model.
    from_checkpoint: bool = False


#: The small RL budget both CPU presets share, so GRPO and RLOO compare on equal terms. beta 0
#: loads no reference model (half the memory and time on a CPU); 4 prompts x 4 completions of
#: at most 128 tokens per step keep a step under a minute.
RL_CPU_BUDGET: dict[str, Any] = {
    "learning_rate": 1e-6,
    "max_steps": 10,
    "per_device_train_batch_size": 4,
    "num_generations": 4,
    "max_completion_length": 128,
    "beta": 0.0,
    "save_steps": 5,
}

#: Starting points; each value says why it is what it is.
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sft-cpu",
            "SFT, small (CPU)",
            Method.SFT,
            # 1e-5: full fine-tuning of a 135M model moves fast; 40 steps of 4 rows show a loss
            # curve on a CPU in minutes.
            {"learning_rate": 1e-5, "max_steps": 40, "per_device_train_batch_size": 4, "save_steps": 20},
            "Full fine-tuning for 40 steps: enough to see the loss fall on a CPU.",
        ),
        Preset(
            "grpo-cpu",
            "GRPO from a checkpoint, small (CPU)",
            Method.GRPO,
            dict(RL_CPU_BUDGET),
            "GRPO with the sandbox reward, 10 steps; start it from an SFT run (run:ID).",
            from_checkpoint=True,
        ),
        Preset(
            "rloo-cpu",
            "RLOO, small (CPU)",
            Method.RLOO,
            dict(RL_CPU_BUDGET),
            "RLOO's leave-one-out baseline, same budget as the GRPO preset.",
        ),
        Preset(
            "sft-gpu-lora",
            "SFT with LoRA (GPU)",
            Method.SFT,
            # bf16 and LoRA r=16: the usual single-GPU setting; 2e-4 is LoRA's customary rate.
            {"learning_rate": 2e-4, "use_lora": True, "bf16": True, "max_steps": 500, "save_steps": 100},
            "A LoRA adapter in bfloat16 on one CUDA GPU.",
        ),
    )
}


class LaunchRefused(Exception):
    """A launch that must not happen; ``errors`` maps each field to why (the form shows them
    next to the fields, the command prints them)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RunActionRefused(Exception):
    """Cancel or resume cannot be done now; the message says why."""


@dataclass
class LaunchRequest:
    """What a researcher asks for. ``config`` holds method config fields (the form's typed
    fields and the ``--set`` pairs); what is not given takes the method's default."""

    method: str
    model: str
    train_snapshot: str | Snapshot
    eval_snapshot: str | Snapshot | None = None
    seed: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    eval_every: int | None = None
    #: Protocol fields for the evaluations during training (``eval_every``); what is not
    #: given takes :meth:`Protocol.during_training`'s value.
    eval_protocol: dict[str, Any] = field(default_factory=dict)
    contamination_override: str = ""
    cloned_from: TrainingRun | None = None


def eval_protocol_resolve(values: dict[str, Any]) -> dict[str, Any]:
    """The protocol of a run's evaluations during training, every field written out:
    :meth:`Protocol.during_training` of ``values``. Raises :class:`LaunchRefused` naming the
    field as ``eval_<field>``."""
    try:
        return Protocol.during_training(values).to_dict()
    except ProtocolError as exc:
        raise LaunchRefused({f"eval_{exc.field}": exc.message}) from None
    except (TypeError, ValueError) as exc:
        raise LaunchRefused({"eval_protocol": str(exc)}) from None


def parse_set(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as config values: VALUE is read as JSON when it is JSON (numbers,
    true/false, null, lists), else kept as text. Raises ``ValueError`` naming the bad pair."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{pair!r} is not KEY=VALUE")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw.strip()
    return out


def config_resolve(method: str, values: dict[str, Any]) -> dict[str, Any]:
    """The method's typed config built from ``values``: every field, defaults filled in.
    Raises :class:`LaunchRefused` naming every field that fails (unknown fields included)."""
    cls = CONFIG_CLASSES.get(method)
    if cls is None:
        raise LaunchRefused({"method": f"{method!r} is not one of {', '.join(CONFIG_CLASSES)}"})
    errors: dict[str, str] = {}
    rest = dict(values)
    while True:  # every bad field at once: drop each one named and check the rest again
        try:
            config = cls.from_dict(rest).to_dict()
        except ConfigError as exc:
            # The first reason stays: a bad value dropped may make its field "missing" next.
            errors.setdefault(exc.field, exc.reason)
            if exc.field not in rest:
                break
            del rest[exc.field]
            continue
        if not errors:
            return config
        break
    raise LaunchRefused(errors)


def _snapshot(ref: str | Snapshot | None) -> Snapshot | None:
    if ref is None or isinstance(ref, Snapshot):
        return ref
    if not str(ref).strip():
        return None
    return snapshot_by_hash(str(ref))


def model_resolve(ref: str) -> tuple[str, Checkpoint | None]:
    """``(base model for the worker, init checkpoint)`` for a model reference: ``default``,
    ``run:ID`` (that run's last checkpoint; the run must have succeeded) or a local model
    folder (one with ``config.json``). Raises ``ValueError`` with the reason."""
    ref = ref.strip()
    if ref == "default":
        return "default", None
    if ref.startswith("run:"):
        number = ref.removeprefix("run:").strip()
        if not number.isdigit():
            raise ValueError(f"{ref!r}: run:ID needs a run number, e.g. run:12")
        source = TrainingRun.objects.filter(pk=int(number)).first()
        if source is None:
            raise ValueError(f"there is no run {number}")
        if source.status != JobStatus.SUCCEEDED:
            raise ValueError(
                f"run {number} {source.get_status_display().lower()}; only a run that succeeded can "
                "initialise another"
            )
        checkpoint = source.checkpoints.order_by("-step").first()
        if checkpoint is None:
            raise ValueError(f"run {number} has no checkpoint to start from")
        return source.base_model or source.model, checkpoint
    if not ref:
        raise ValueError("give default, run:ID or the path of a model folder")
    path = Path(ref).expanduser().resolve()
    if (path / "config.json").is_file():
        return str(path), None
    raise ValueError(
        f"unknown model {ref!r}: give default, run:ID, or the path of a model folder "
        "(with config.json) that the GPU workers can read"
    )


@dataclass
class LaunchPlan:
    """A checked launch, ready to be written."""

    request: LaunchRequest
    config: dict[str, Any]
    base_model: str
    init_checkpoint: Checkpoint | None
    train: Snapshot
    eval: Snapshot | None
    contamination_override: str
    eval_protocol: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


def launch_check(request: LaunchRequest) -> LaunchPlan:
    """Every check a launch must pass, all at once; :class:`LaunchRefused` names each field
    that fails (learning rate, unknown model, a snapshot without train rows, an init run that
    did not succeed, a train snapshot contaminated with the eval snapshot …)."""
    errors: dict[str, str] = {}
    config: dict[str, Any] = {}
    try:
        config = config_resolve(request.method, request.config)
    except LaunchRefused as exc:
        errors.update(exc.errors)
    base_model, init_checkpoint = "", None
    try:
        base_model, init_checkpoint = model_resolve(request.model)
    except ValueError as exc:
        errors["model"] = str(exc)
    seed = _seed_in_force(request, config, errors)
    if request.eval_every is not None and request.eval_every < 1:
        errors["eval_every"] = "must be a positive number of steps"
    train, ev = _snapshots_check(request, errors)
    eval_protocol = _eval_protocol_check(request, ev, errors)
    override = _contamination_override(request, train, ev, errors)
    if errors:
        raise LaunchRefused(errors)
    assert train is not None
    return LaunchPlan(request, config, base_model, init_checkpoint, train, ev, override, eval_protocol, seed)


def _seed_in_force(request: LaunchRequest, config: dict[str, Any], errors: dict[str, str]) -> int:
    """One seed in force, written in the resolved ``config`` and on the run alike (a config
    seed, from --set seed=N, wins over the run's; null would leave the page and the config
    disagreeing). An out-of-range seed goes into ``errors``."""
    given = config.get("seed")
    seed: int = given if isinstance(given, int) else request.seed
    if not 0 <= seed < 2**32:
        errors["seed"] = f"must be in [0, 2**32), got {seed}"
    elif config:
        config["seed"] = seed
    return seed


def _snapshots_check(
    request: LaunchRequest, errors: dict[str, str]
) -> tuple[Snapshot | None, Snapshot | None]:
    """``(train, eval)`` snapshots of ``request``; a missing one, a train snapshot without
    train rows or an eval snapshot without eval rows goes into ``errors``."""
    train = ev = None
    try:
        train = _snapshot(request.train_snapshot)
        if train is None:
            errors["train_snapshot"] = "choose the snapshot to train on"
        elif train.role_rows(ItemRole.TRAIN) == 0:
            errors["train_snapshot"] = f"snapshot {train.short} has no train rows"
    except ValueError as exc:
        errors["train_snapshot"] = str(exc)
    try:
        ev = _snapshot(request.eval_snapshot)
        if ev is not None and ev.eval_rows == 0:
            errors["eval_snapshot"] = f"snapshot {ev.short} has no eval rows"
    except ValueError as exc:
        errors["eval_snapshot"] = str(exc)
    return train, ev


def _eval_protocol_check(
    request: LaunchRequest, ev: Snapshot | None, errors: dict[str, str]
) -> dict[str, Any]:
    """The resolved protocol of the evaluations during training ({} without ``eval_every``);
    a cadence without an eval snapshot, or a protocol field out of range, goes into ``errors``."""
    if request.eval_every is None:
        return {}
    if ev is None and "eval_snapshot" not in errors:
        errors["eval_every"] = "choose an eval snapshot to evaluate on"
    try:
        return eval_protocol_resolve(request.eval_protocol)
    except LaunchRefused as exc:
        errors.update(exc.errors)
        return {}


def _contamination_override(
    request: LaunchRequest, train: Snapshot | None, ev: Snapshot | None, errors: dict[str, str]
) -> str:
    """The reason recorded for launching on contaminated snapshots ("" when they are clean);
    contamination without a reason goes into ``errors``."""
    override = request.contamination_override.strip()
    if train is None or ev is None or {"train_snapshot", "eval_snapshot"} & set(errors):
        return override
    try:
        contamination_check(train=train, eval=ev)
        return ""  # clean: nothing to override
    except ContaminationError as exc:
        if not override:
            errors["train_snapshot"] = (
                f"{exc}. Choose other snapshots, or give a reason to launch anyway "
                "(it is recorded on the run)"
            )
    return override


def run_launch(*, by: User, request: LaunchRequest) -> TrainingRun:
    """Check the launch (:func:`launch_check`), create the run and send it to the GPU queue
    when the transaction commits. Raises :class:`LaunchRefused` with every failing field."""
    require(by, Action.RUN_LAUNCH)
    plan = launch_check(request)
    max_steps = plan.config.get("max_steps", -1)
    with transaction.atomic():
        run = TrainingRun.objects.create(
            name=request.name.strip()[:200],
            method=request.method,
            model=request.model.strip(),
            base_model=plan.base_model,
            init_checkpoint=plan.init_checkpoint,
            train_snapshot=plan.train,
            eval_snapshot=plan.eval,
            eval_every=request.eval_every,
            eval_protocol=plan.eval_protocol,
            seed=plan.seed,
            max_steps=max_steps if max_steps > 0 else None,
            total=max_steps if max_steps > 0 else 0,
            config=plan.config,
            contamination_override=plan.contamination_override,
            cloned_from=request.cloned_from,
            created_by=by,
            attempt=1,
            message="waiting for a GPU worker",
        )
        run.artifact_prefix = artifact_storage().uri(f"runs/{run.job_id}")
        run.save(update_fields=["artifact_prefix"])
        run_dispatch(run)
    return run


def can_change(run: TrainingRun, user: Any) -> bool:
    """Whether ``user`` may cancel or resume ``run`` (:func:`~webapp.core.access.can_act_on`)."""
    return can_act_on(user, run.created_by_id, Action.RUN_LAUNCH)


def run_cancel(*, run: TrainingRun, by: User) -> bool:
    """Ask the run to stop: a queued run is cancelled at once (its message is dropped); a
    running one gets the Redis cancel flag its trainer polls at every step, saves a checkpoint
    and stops; one still running ``TRAINING_CANCEL_GRACE_SECONDS`` later is killed by the
    reaper (:func:`webapp.training.liveness.runs_check`). False when it had finished."""
    require_owner_or_admin(by, obj=run, doing="cancel this run", action=Action.RUN_LAUNCH)
    was_queued = run.status == JobStatus.QUEUED
    if not job_cancel(run):
        return False
    TrainingRun.objects.filter(pk=run.pk, cancel_requested_at__isnull=True).update(
        cancel_requested_at=timezone.now()
    )
    try:
        control_for(run).request_cancel()
        if was_queued:
            revoke(run.task_id, terminate=False)
    except Exception:  # Redis down: the hard kill after the grace period still stops it
        log.exception("run %s: could not set the cancel flag", run.job_id)
    run.refresh_from_db()
    return True


def _attempt_seconds(run: TrainingRun) -> float:
    """The ended attempt's working time: to its end, or to just after its last beat when
    the reaper ended it long after the worker died."""
    end = run.finished_at
    if end is not None and run.heartbeat_at is not None:
        end = min(end, run.heartbeat_at + timedelta(seconds=HEARTBEAT_SECONDS))
    return span_seconds(run.started_at, end)


def run_resume(*, run: TrainingRun, by: User) -> TrainingRun:
    """Queue a failed or cancelled run again from its last checkpoint: attempt + 1, the
    cancel flag cleared, metric points past the checkpoint dropped (the new attempt logs
    them again), and the worker told to continue at the checkpoint's step."""
    require_owner_or_admin(by, obj=run, doing="resume this run", action=Action.RUN_LAUNCH)
    if run.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise RunActionRefused(f"only a failed or cancelled run can resume; this one {run.status}")
    checkpoint = run.checkpoints.order_by("-step").first()
    if checkpoint is None:
        raise RunActionRefused("this run saved no checkpoint to resume from; Clone it to start again")
    client = control_for(run).client
    counter = client.get(job_key(run.job_id, "seq"))
    seen = RunEvent.objects.filter(run=run).aggregate(m=Max("seq"))["m"] or 0
    floor = max(int(counter or 0), seen)
    with transaction.atomic():
        changed = TrainingRun.objects.filter(
            pk=run.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELLED], attempt=run.attempt
        ).update(
            status=JobStatus.QUEUED,
            attempt=F("attempt") + 1,
            seq_floor=floor,
            step=checkpoint.step,
            done=checkpoint.step,
            error="",
            result={},
            message=f"resuming from step {checkpoint.step}; waiting for a GPU worker",
            finished_at=None,
            heartbeat_at=None,
            cancel_requested=False,
            cancel_requested_at=None,
            started_at=None,
            earlier_seconds=run.earlier_seconds + _attempt_seconds(run),
        )
        if not changed:
            raise RunActionRefused("the run changed meanwhile; reload the page")
        MetricPoint.objects.filter(run=run, step__gt=checkpoint.step).delete()
        run.refresh_from_db()
        run_dispatch(run, resume_checkpoint=checkpoint.uri, resume_step=checkpoint.step)
    return run
