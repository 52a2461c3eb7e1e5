"""Every write of the playground goes through here (STYLE rule 2).

The life of a :class:`PlaygroundRequest` is an evaluation's, made as small as it gets:

1. :func:`playground_create` checks the request (every refusal names its field), stores
   it, writes the prompt as a one-line problem file (``playground/<pk>/prompt.jsonl``: the
   snapshot's record with the prompt as sent, or a free-text record) and, on commit, sends
   a ``generate`` JobSpec through ``webapp.core.dispatch.job_send`` (the one place that
   sends JobSpecs).
2. The worker's events (``play-<pk>``, routed here by ``webapp.core.events``) move the row
   once per ``seq`` (:func:`apply_playground_event`); ``finished`` queues the row again in
   phase *judging* and sends the ``cpu`` job ``atomlab.cpu.playground_judge`` (a message
   lost on the way is sent again by the reaper: :data:`judging_resend`).
3. :func:`playground_judge` (under the shared ``job_run`` lifecycle) stores each sample and,
   for a snapshot's problem, judges every sample in one sandbox batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sandbox.categories import categorize
from sandbox.jsonl import JsonlError, read_objects
from training_worker.configs import ConfigError, GenerateConfig
from training_worker.contracts import (
    ContractError,
    GenerationRecord,
    JobSpec,
    ProblemRecord,
    ProgressEvent,
    checkpoint_eval_spec,
    generate_spec,
)
from training_worker.storage import Storage, StorageError
from webapp.accounts.models import User
from webapp.core.access import require_owner_or_admin
from webapp.core.artifacts import artifact_storage
from webapp.core.dispatch import control_for, job_send
from webapp.core.jobs import (
    JobContext,
    JobError,
    job_cancel,
    job_enqueue_stamped,
    job_finish,
    job_run,
    queued_resend_hook,
)
from webapp.core.judging import sandbox_client
from webapp.core.models import JobStatus
from webapp.core.protocol import DEFAULT_TIMEOUT_S
from webapp.core.text import db_json, db_text
from webapp.evaluation.generating import GenerateEvents
from webapp.evaluation.models import Phase
from webapp.evaluation.problem_tests import snapshot_tests
from webapp.mixtures.models import Snapshot
from webapp.mixtures.services.freezing import snapshot_rows
from webapp.playground.models import JOB_PREFIX, PlaygroundRequest, PlaygroundSample
from webapp.training.models import Checkpoint
from webapp.training.services import model_resolve

log = logging.getLogger(__name__)

#: Samples per request at most: a playground answer is read by a person, not scored.
MAX_SAMPLES = 8
#: Stored output of one sample's error, in characters.
KEEP_CHARS = 4000
PROMPT_FILE = "prompt.jsonl"


class PlaygroundRefused(ValueError):
    """A request that must not be sent; ``errors`` maps each field (``prompt``, ``n``,
    ``model``, ``checkpoint``, ``task_id``, ``temperature``, ``max_new_tokens``) to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Ask:
    """What a researcher asks: a prompt (free text, or a snapshot problem's, edited or not),
    the model (``default``, a model folder, ``run:ID``) or a checkpoint by id, and sampling."""

    prompt: str
    model: str = "default"
    checkpoint_id: int | None = None
    snapshot: Snapshot | None = None
    task_id: str = ""
    n: int = 1
    temperature: float = 0.0
    max_new_tokens: int = 256
    seed: int = 0

    def method_config(self) -> dict[str, Any]:
        """The ``generate`` job's sampling settings (the worker's ``GenerateConfig``)."""
        return {"n": self.n, "temperature": self.temperature, "max_new_tokens": self.max_new_tokens}


@dataclass(frozen=True)
class Plan:
    """A checked request: the model the worker loads, the checkpoint, the problem."""

    model: str
    checkpoint: Checkpoint | None
    problem: ProblemRecord | None


def problem_find(snapshot: Snapshot, task_id: str) -> ProblemRecord | None:
    """The record ``task_id`` of ``snapshot`` (any role), or None."""
    return next((r for r in snapshot_rows(snapshot) if r.task_id == task_id), None)


def _model_of(ask: Ask, errors: dict[str, str]) -> tuple[str, Checkpoint | None]:
    if ask.checkpoint_id is not None:
        checkpoint = Checkpoint.objects.select_related("run").filter(pk=ask.checkpoint_id).first()
        if checkpoint is None:
            errors["checkpoint"] = f"there is no checkpoint {ask.checkpoint_id}"
            return "", None
        return checkpoint.run.base_model or checkpoint.run.model, checkpoint
    try:
        return model_resolve(ask.model)
    except ValueError as exc:
        errors["model"] = str(exc)
        return "", None


def _problem_of(ask: Ask, errors: dict[str, str]) -> ProblemRecord | None:
    if ask.snapshot is None and not ask.task_id:
        return None
    if ask.snapshot is None or not ask.task_id:
        errors["task_id"] = "a problem is a snapshot and a task id: give both, or neither for free text"
        return None
    problem = problem_find(ask.snapshot, ask.task_id)
    if problem is None:
        errors["task_id"] = f"snapshot {ask.snapshot.short} has no problem “{ask.task_id}”"
    return problem


def playground_check(ask: Ask) -> Plan:
    """Every check at once (:class:`PlaygroundRefused` names each field): a prompt, 1 to
    :data:`MAX_SAMPLES` samples, a model or checkpoint that exists, the problem when one is
    named, and sampling settings the worker accepts."""
    errors: dict[str, str] = {}
    if not ask.prompt.strip():
        errors["prompt"] = "write a prompt, or fill it from a snapshot's problem"
    if not 1 <= ask.n <= MAX_SAMPLES:
        errors["n"] = f"between 1 and {MAX_SAMPLES} samples (got {ask.n})"
    model, checkpoint = _model_of(ask, errors)
    problem = _problem_of(ask, errors)
    try:
        GenerateConfig.from_dict(ask.method_config())
    except ConfigError as exc:
        errors.setdefault(exc.field, exc.reason)
    if errors:
        raise PlaygroundRefused(errors)
    return Plan(model, checkpoint, problem)


def _prompt_record(req: PlaygroundRequest, problem: ProblemRecord | None) -> ProblemRecord:
    """The one problem the worker generates for: the snapshot's record with the prompt as
    sent (its cases stay in the file for judging; they never reach the model), or free text."""
    if problem is not None:
        return ProblemRecord.from_dict({**problem.to_dict(), "prompt": req.prompt})
    return ProblemRecord(
        task_id=f"playground/{req.pk}",
        source="playground",
        lang="en",
        prompt=req.prompt,
        entry_point="",
        solution="",
    )


def playground_spec(req: PlaygroundRequest) -> JobSpec:
    """The request's ``generate`` JobSpec (absolute URIs, the whole config written out); a
    checkpoint's weights on top of its run's base model, as an evaluation of it does."""
    common: dict[str, Any] = {
        "job_id": req.job_id,
        "data_uris": [req.data_uri],
        "artifact_prefix": artifact_storage().uri(req.artifact_prefix),
        "seed": req.seed,
        "method_config": {"n": req.n, "temperature": req.temperature, "max_new_tokens": req.max_new_tokens},
    }
    if req.checkpoint is not None:
        return checkpoint_eval_spec(checkpoint_uri=req.checkpoint.uri, base_model=req.model, **common)
    return generate_spec(model=req.model, **common)


@transaction.atomic
def playground_create(*, by: User, ask: Ask, dispatch: bool = True) -> PlaygroundRequest:
    """A queued request; with ``dispatch`` its JobSpec goes to the GPU queue on commit.
    Whatever :func:`playground_check` refuses is a :class:`PlaygroundRefused` before
    anything is stored."""
    plan = playground_check(ask)
    req = PlaygroundRequest.objects.create(
        prompt=ask.prompt,
        model=plan.model,
        checkpoint=plan.checkpoint,
        snapshot=ask.snapshot if plan.problem else None,
        task_id=ask.task_id if plan.problem else "",
        n=ask.n,
        temperature=ask.temperature,
        max_new_tokens=ask.max_new_tokens,
        seed=ask.seed,
        created_by=by,
        total=ask.n,
        message="waiting for a GPU worker",
    )
    key = f"{req.artifact_prefix}/{PROMPT_FILE}"
    req.data_uri = artifact_storage().write_text(key, _prompt_record(req, plan.problem).to_json() + "\n")
    req.save(update_fields=["data_uri"])
    if dispatch:
        job_send(req, playground_spec(req), fresh=True)
    return req


def playground_cancel(*, req: PlaygroundRequest, by: User) -> bool:
    """Stop a request (its owner or an admin): the row, and the GPU worker through the
    job's Redis cancel key while it generates."""
    require_owner_or_admin(by, obj=req, doing="cancel this playground request")
    stopped = job_cancel(req)
    if stopped and req.phase == Phase.GENERATING:
        try:
            control_for(req).request_cancel()
        except Exception:  # Redis down: the row is cancelled; the worker's events change nothing
            log.exception("%s: could not set the cancel flag", req.job_id)
    return stopped


# --- events from the GPU worker ---------------------------------------------------------------


def _finished(req: PlaygroundRequest, event: ProgressEvent) -> None:
    uri = str(event.payload.get("generations_uri", ""))
    if not uri:
        job_finish(PlaygroundRequest, req.pk, error="the worker finished without naming its generations file")
        return
    PLAY_EVENTS.rows(req).update(
        generations_uri=uri,
        phase=Phase.JUDGING,
        status=JobStatus.QUEUED,
        done=0,
        counters={k: event.payload[k] for k in ("backend", "seconds") if k in event.payload},
        message="waiting for a cpu worker to store" + (" and judge" if req.judged else ""),
    )
    job_enqueue_stamped(_judge_task(), PlaygroundRequest, req.pk, phase=Phase.JUDGING)


def _judge_task() -> Any:
    from webapp.playground.tasks import playground_judge_task

    return playground_judge_task


#: A reap hook (``AppConfig.ready``): a request queued for judging whose message was lost is
#: sent again, or failed with the reason when the broker is down (the evaluation's mechanism,
#: ``webapp.core.jobs.queued_resend_hook``).
judging_resend = queued_resend_hook(PlaygroundRequest, _judge_task, phase=Phase.JUDGING)


#: The events of a generating request (``play-<pk>``), applied once each under a lock on the
#: row: the evaluation's rules (``webapp/evaluation/generating.py``).
PLAY_EVENTS = GenerateEvents(
    model=PlaygroundRequest, prefix=JOB_PREFIX, noun="request", id_noun="a playground", finished=_finished
)
apply_playground_event = PLAY_EVENTS.apply


# --- storing and judging (cpu) ------------------------------------------------------------------


def _read_jsonl(uri: str) -> Iterator[dict[str, Any]]:
    """The objects of the JSONL file at ``uri`` (absolute, as the worker and the spec name it)."""
    parent, _, name = uri.rstrip("/").rpartition("/")
    try:
        with Storage(parent or ".").open(name, "rb") as fh:
            for _lineno, data in read_objects(fh):
                yield data
    except (JsonlError, StorageError) as exc:
        raise JobError(f"{uri}: {exc}") from None


def _samples_store(req: PlaygroundRequest) -> list[PlaygroundSample]:
    """One :class:`PlaygroundSample` per line of the generations file (once: a re-claimed
    job finds them stored)."""
    if not req.samples.exists():
        try:
            records = [GenerationRecord.from_dict(d) for d in _read_jsonl(req.generations_uri)]
        except ContractError as exc:
            raise JobError(f"not a generation record: {exc}") from None
        PlaygroundSample.objects.bulk_create(
            [
                PlaygroundSample(
                    request=req,
                    index=r.sample_index,
                    completion=db_text(r.completion),
                    code=db_text(r.code),
                    completion_tokens=r.completion_tokens,
                    finish_reason=r.finish_reason[:32],
                )
                for r in records
            ],
            ignore_conflicts=True,
        )
    return list(req.samples.order_by("index"))


def _outcomes(result: Any) -> list[dict[str, Any]]:
    """A sandbox result's cases as the evaluation's case table shows them."""
    return [
        {
            "index": c.index,
            "input": db_json(c.args),
            "expected": db_json(c.expected),
            "got": db_json(c.got),
            "error": db_text((c.error or "")[:KEEP_CHARS]),
            "passed": c.passed,
            "duration_ms": c.duration_ms,
        }
        for c in result.cases
    ]


def samples_judge(req: PlaygroundRequest, samples: list[PlaygroundSample]) -> int:
    """Judge ``samples`` against the problem in the request's prompt file, in one sandbox
    batch (the verdict vocabulary of ``sandbox.categories``). Returns how many passed."""
    problem = ProblemRecord.from_dict(next(_read_jsonl(req.data_uri)))
    tests = snapshot_tests(problem)
    requests = [tests.request(s.code, timeout_s=DEFAULT_TIMEOUT_S, id=str(s.index)) for s in samples]
    results = sandbox_client().judge_batch(requests)
    for s, request, result in zip(samples, requests, results, strict=True):
        seen = categorize(result, program=request.program)
        s.verdict, s.passed, s.category, s.error_type = (
            str(result.verdict),
            result.passed,
            seen.category.value,
            seen.error_type[:200],
        )
        s.error, s.cases = db_text((result.error or "")[:KEEP_CHARS]), _outcomes(result)
    PlaygroundSample.objects.bulk_update(
        samples, ["verdict", "passed", "category", "error_type", "error", "cases"]
    )
    return sum(1 for s in samples if s.passed)


def playground_judge(*, request_pk: int) -> dict[str, Any] | None:
    """The ``cpu`` job of a request in phase judging: store its samples and, for a snapshot's
    problem, judge them; the request is then done."""

    def work(ctx: JobContext) -> dict[str, Any]:
        req = PlaygroundRequest.objects.get(pk=request_pk)
        samples = _samples_store(req)
        ctx.progress(0, len(samples), "judging in the sandbox" if req.judged else "stored")
        result: dict[str, Any] = {"samples": len(samples)}
        if req.judged and samples:
            result["passed"] = samples_judge(req, samples)
        PlaygroundRequest.objects.filter(pk=request_pk).update(phase=Phase.DONE)
        ctx.progress(len(samples), len(samples), "done")
        return result

    return job_run(PlaygroundRequest, request_pk, work)
