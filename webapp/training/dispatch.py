"""A training run's JobSpec and its dispatch (through :func:`webapp.core.dispatch.job_send`,
the one place that sends JobSpecs), where its artifacts live, and the worker's "done" marker
the liveness check reads.
"""

from __future__ import annotations

from typing import Any

from training_worker.contracts import JobSpec
from training_worker.control import job_key, spec_digest
from training_worker.storage import Storage
from webapp.core.artifacts import artifact_storage
from webapp.core.dispatch import job_send
from webapp.mixtures.storage import snapshot_uri
from webapp.training.models import TrainingRun


def run_artifacts(run: TrainingRun) -> Storage:
    """Where the run's checkpoints and rollouts live."""
    return (
        Storage(run.artifact_prefix)
        if run.artifact_prefix
        else artifact_storage().child(f"runs/{run.job_id}")
    )


def job_spec(
    run: TrainingRun, *, resume_checkpoint: str | None = None, resume_step: int | None = None
) -> JobSpec:
    """The JobSpec of the run's current attempt."""
    return JobSpec(
        job_id=run.job_id,
        kind=run.method,
        model=run.base_model or run.model,
        data_uris=[snapshot_uri(run.train_snapshot.sha256)],
        artifact_prefix=run.artifact_prefix,
        method_config=dict(run.config),
        seed=run.seed,
        init_checkpoint=run.init_checkpoint.uri if run.init_checkpoint_id and run.init_checkpoint else None,
        resume_checkpoint=resume_checkpoint,
        resume_step=resume_step,
        attempt=max(1, run.attempt),
    )


def run_dispatch(
    run: TrainingRun, *, resume_checkpoint: str | None = None, resume_step: int | None = None
) -> str:
    """Record the attempt's JobSpec on the run and send it once the transaction commits.
    Returns the Celery task id the message will carry."""
    spec = job_spec(run, resume_checkpoint=resume_checkpoint, resume_step=resume_step)
    fresh = resume_checkpoint is None and run.attempt <= 1
    spec_json, task_id = job_send(run, spec, fresh=fresh)
    TrainingRun.objects.filter(pk=run.pk).update(spec_json=spec_json, task_id=task_id)
    run.spec_json, run.task_id = spec_json, task_id
    return task_id


def done_marker(run: TrainingRun, client: Any) -> str | None:
    """The worker's record that the run's current spec ran to an end (None while it runs)."""
    if not run.spec_json:
        return None
    value = client.get(job_key(run.job_id, f"done:{spec_digest(run.spec_json)}"))
    return value.decode() if isinstance(value, bytes) else value
