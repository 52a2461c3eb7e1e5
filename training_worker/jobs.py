"""One job from start to end, whoever calls it (the Celery task or the CLI).

``run_job`` takes the job's lock (when it has a Redis control), emits ``started``, beats a
heartbeat, runs the method's runner and ends with exactly one of ``finished``, ``cancelled``
or ``failed``. It never raises for a job's own failure: that is a ``failed`` event.
"""

from __future__ import annotations

import os
import platform
import socket
import traceback
from dataclasses import dataclass
from typing import Any

from training_worker.configs import ConfigError
from training_worker.contracts import JobSpec
from training_worker.control import Heartbeat, JobControl, spec_digest
from training_worker.events import Emitter, EventSink
from training_worker.joblog import capture_job_log
from training_worker.presence import current_job, rss_bytes
from training_worker.registry import UnknownMethod, method


@dataclass
class JobOutcome:
    """How a job ended, for the caller (the events carry the same)."""

    status: str  # finished | cancelled | failed | skipped
    step: int = 0
    checkpoint: str | None = None
    error: str | None = None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "trl", "peft", "accelerate", "datasets"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out


def _code_revision() -> str | None:
    # The worker's own checkout, when it runs from one (a wheel install has none).
    import subprocess
    from pathlib import Path

    try:
        result = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _is_main_process() -> bool:
    """False on the other ranks of an ``accelerate launch`` (only rank 0 reports)."""
    return os.environ.get("RANK", "0") == "0"


class _NullSink:
    def emit(self, event: Any) -> None:
        pass


def run_job(
    spec: JobSpec,
    *,
    sink: EventSink,
    artifact_root: str,
    control: JobControl | None = None,
    heartbeat_s: float = 10.0,
    spec_json: str | None = None,
    supervised: bool = False,
) -> JobOutcome:
    """Run ``spec`` to its end; events go to ``sink``. With ``control`` (Redis): the job runs
    only if its lock is free and the same spec has not already run to an end; the heartbeat
    refreshes the lock; the trainer polls the cancel flag; an attempt (``spec.attempt``) that
    already started once, on any worker, is not started again. ``supervised``: this is rank 0
    of a job whose parent (:mod:`training_worker.ranks`) holds the lock and beats; ``control``
    only numbers events and carries the cancel flag."""
    main = _is_main_process()
    if not main:
        sink, control = _NullSink(), None
    digest = spec_digest(spec_json or spec.to_json())
    if control is not None and not supervised:
        skipped = _claim(control, spec, digest)
        if skipped is not None:
            return skipped
    emitter = Emitter(spec.job_id, sink, next_seq=control.next_seq if control is not None else None)
    heartbeat = None

    def beat() -> None:
        emitter.emit(
            "heartbeat", {"host": socket.gethostname(), "pid": os.getpid(), "rss_bytes": rss_bytes()}
        )

    if main and not supervised:
        heartbeat = Heartbeat(heartbeat_s, control=control, on_beat=beat)
    outcome = JobOutcome(status="failed")
    current_job["job_id"] = spec.job_id
    try:
        if control is not None and not supervised:
            control.beat()
        if heartbeat is not None:
            heartbeat.start()
        outcome = _run(spec, emitter, artifact_root, control, heartbeat)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        if control is not None and not supervised:
            control.mark_done(digest, outcome.status)
            control.release()
        current_job["job_id"] = None
    return outcome


def _claim(control: JobControl, spec: JobSpec, digest: str) -> JobOutcome | None:
    """Take the job for this worker; a ``skipped`` outcome when it must not run here."""
    previous = control.done(digest)
    if previous is not None:
        return JobOutcome(status="skipped", error=f"this spec already ran to an end ({previous})")
    if not control.acquire():
        return JobOutcome(status="skipped", error="another worker holds this job's lock")
    if not control.start_attempt(spec.attempt):
        # A re-delivered copy (its worker died, the lock expired): never a second run of
        # one attempt; the web side fails the run and a Resume sends attempt + 1.
        control.release()
        return JobOutcome(
            status="skipped",
            error=f"attempt {spec.attempt} of this job already started once; only a new attempt runs it",
        )
    return None


def _started_payload(spec: JobSpec, config: dict[str, Any]) -> dict[str, Any]:
    """What the ``started`` event records: the job as asked, its resolved ``config``, and
    where and with which code and library versions it runs."""
    return {
        "kind": spec.kind,
        "model": spec.model,
        "init_checkpoint": spec.init_checkpoint,
        "resume_checkpoint": spec.resume_checkpoint,
        "data_uris": spec.data_uris,
        "seed": spec.seed,
        "config": config,
        "versions": _versions(),
        "code_revision": _code_revision(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def _run(
    spec: JobSpec,
    emitter: Emitter,
    artifact_root: str,
    control: JobControl | None,
    heartbeat: Heartbeat | None,
) -> JobOutcome:
    """``started``, the method's runner, then exactly one ending event: a config error is
    ``failed`` with its message, any other exception ``failed`` with its type and traceback."""
    step = spec.resume_step or 0
    ctx = None
    try:
        chosen = method(spec.kind)
        config = chosen.config_class.from_dict(spec.method_config)
        emitter.emit("started", _started_payload(spec, config.to_dict()), step=step)
        if control is not None and control.cancel_requested():
            emitter.emit(
                "cancelled", {"checkpoint": spec.resume_checkpoint, "reason": "cancelled before start"}
            )
            return JobOutcome(status="cancelled", step=step, checkpoint=spec.resume_checkpoint)
        from training_worker.runners.common import RunContext

        ctx = RunContext(
            spec=spec,
            config=config,
            emitter=emitter,
            artifact_root=artifact_root,
            control=control,
            heartbeat=heartbeat,
        )
        with capture_job_log(emitter):  # flushed before the ending event below
            result = chosen.load_runner()(ctx)
    except (ConfigError, UnknownMethod) as exc:
        error = str(exc)
        emitter.emit("failed", {"error": error}, step=step)
        return JobOutcome(status="failed", step=step, error=error)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        emitter.emit(
            "failed",
            {"error": error[:4000], "traceback": traceback.format_exc()[-8000:]},
            step=emitter.step,
        )
        return JobOutcome(status="failed", step=emitter.step, error=error)
    finally:
        if ctx is not None:
            ctx.cleanup()
    payload = result.payload
    if payload is None:
        payload = {"checkpoint": result.checkpoint, "metrics": result.metrics}
    emitter.emit(result.status, payload, step=result.step)
    return JobOutcome(status=result.status, step=result.step, checkpoint=result.checkpoint)


def run_message(
    app: Any, spec_json: str, *, redis_url: str, artifact_root: str, heartbeat_s: float
) -> dict[str, Any]:
    """What the Celery task ``atomlab.gpu.run_job`` does with its one argument.

    A spec that does not parse cannot be reported against a job (no trustworthy id): it is
    logged and dropped. A job asking for several processes (``num_processes`` > 1) runs in
    child processes, one per rank (:mod:`training_worker.ranks`), while this one keeps its
    lock and heartbeat and sends its ending event; so does one that names ``placement: ray``
    (its ranks then run on a Ray cluster, :mod:`training_worker.ray_ranks`)."""
    import logging

    from training_worker.contracts import ContractError
    from training_worker.control import JobControl, redis_client
    from training_worker.events import CelerySink

    log = logging.getLogger("training_worker")
    try:
        spec = JobSpec.from_json(spec_json)
    except ContractError as exc:
        log.error("atomlab.gpu.run_job: refused a malformed JobSpec: %s", exc)
        return {"status": "rejected", "error": str(exc)}
    control = JobControl(redis_client(redis_url), spec.job_id, heartbeat_s=heartbeat_s)
    processes = spec.method_config.get("num_processes", 1)
    several = isinstance(processes, int) and not isinstance(processes, bool) and processes > 1
    if several or spec.method_config.get("placement") == "ray":
        return _run_ranks(app, spec, spec_json, control, redis_url)
    outcome = run_job(
        spec,
        sink=CelerySink(app),
        artifact_root=artifact_root,
        control=control,
        heartbeat_s=heartbeat_s,
        spec_json=spec_json,
    )
    if outcome.status == "skipped":
        log.info("job %s: not run: %s", spec.job_id, outcome.error)
    return {
        "job_id": spec.job_id,
        "status": outcome.status,
        "step": outcome.step,
        "checkpoint": outcome.checkpoint,
    }


def _run_ranks(
    app: Any, spec: JobSpec, spec_json: str, control: JobControl, redis_url: str
) -> dict[str, Any]:
    """A job of several processes: claimed here, run by :func:`training_worker.ranks.run_ranks`
    while this process keeps the lock and the heartbeat."""
    from training_worker.events import CelerySink
    from training_worker.ranks import run_ranks

    digest = spec_digest(spec_json)
    skipped = _claim(control, spec, digest)
    if skipped is not None:
        return {"job_id": spec.job_id, "status": "skipped", "error": skipped.error}
    status, step = "failed", 0
    try:
        control.beat()
        status, step = run_ranks(
            spec, spec_json, sink=CelerySink(app), control=control, redis_url=redis_url,
            heartbeat_s=control.heartbeat_s,
        )  # fmt: skip
    finally:
        control.mark_done(digest, status)
        control.release()
    return {"job_id": spec.job_id, "status": status, "step": step}
