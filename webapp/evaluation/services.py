"""Every write of the evaluation app goes through here (STYLE rule 2).

The life of an :class:`EvalRun`:

1. :func:`evalrun_create` stores the run with its locked protocol and, on commit, sends a
   ``generate`` JobSpec to the GPU queue through ``webapp.core.dispatch`` (the one place
   that sends JobSpecs; task ``atomlab.gpu.run_job`` on ``settings.TRAINING_QUEUE``).
2. The worker's events (task ``atomlab.events.progress``, routed here by the job id's
   ``eval-`` prefix) move the row: :func:`apply_eval_event`, through a table of handlers,
   once per ``seq``, every end through ``job_finish``. ``finished`` names the generations
   file; the run is then queued again, in phase *judging*, and the ``cpu`` job
   ``atomlab.cpu.eval_judge`` is sent through ``job_enqueue_stamped`` (:func:`enqueue_judging`).
3. :func:`evalrun_judge` (under the shared ``job_run`` lifecycle) indexes the generations
   file into :class:`Generation` rows, judges every generation in the sandbox in batches,
   stores a :class:`CaseOutcome` per case, then :func:`scores_compute` stores the
   per-problem tallies and the pass@k of every suite and k.
4. :func:`evalrun_rescore` re-judges the stored generations against the tests the
   problems' sources hold now, without generating again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.categories import categorize
from sandbox.jsonl import JsonlError, read_objects
from training_worker.contracts import (
    ContractError,
    GenerationRecord,
    JobSpec,
    ProblemRecord,
    ProgressEvent,
    checkpoint_eval_spec,
    generate_spec,
)
from webapp.accounts.models import User
from webapp.core.access import Action, require_owner_or_admin
from webapp.core.artifacts import artifact_storage
from webapp.core.dispatch import control_for, job_send
from webapp.core.jobs import (
    JobCancelled,
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
from webapp.core.protocol import Protocol
from webapp.core.text import db_json, db_text
from webapp.evaluation.contamination import Finding, contaminated, suite_findings
from webapp.evaluation.generating import GenerateEvents
from webapp.evaluation.metrics import PassCounts, suite_pass_at_k, usable_ks
from webapp.evaluation.models import (
    CaseOutcome,
    EvalRun,
    Generation,
    Phase,
    ProblemResult,
    ReviewLabel,
    SuiteProblem,
    SuiteScore,
)
from webapp.evaluation.problem_tests import ProblemTests, current_tests, problem_ref, snapshot_tests
from webapp.mixtures.models import ItemRole, Snapshot
from webapp.mixtures.services.freezing import snapshot_rows
from webapp.mixtures.storage import snapshot_uri
from webapp.training.models import Checkpoint, TrainingRun
from webapp.training.selectors import trained_on
from webapp.training.services import model_resolve

log = logging.getLogger(__name__)

EVAL_JOB_PREFIX = "eval-"
#: Generations per sandbox batch: big enough to keep every pool worker busy, small enough
#: that progress and the cancel flag are seen every second or so.
JUDGE_BATCH = 64
#: Rows per bulk INSERT.
INSERT_BATCH = 2000
#: Stored output of one generation (stdout, stderr, error), in characters.
KEEP_CHARS = 4000
#: Resamples of the intervals stored with each SuiteScore (``metrics.DEFAULT_RESAMPLES``).
SCORE_RESAMPLES = 2000


# --- creating and dispatching --------------------------------------------------------------


def resolve_model(model: str) -> tuple[str, Checkpoint | None]:
    """``(model for the worker, checkpoint or None)`` for ``default``, a path, or ``run:ID``
    (that training run's latest checkpoint, on top of the base model the run trained; the
    run must have succeeded, by the same rule as training from it)."""
    model = model.strip()
    if not model:
        raise ValueError("name a model: default, a local path, or run:ID")
    if not model.startswith("run:"):
        return model, None
    return model_resolve(model)


class EvalRefused(ValueError):
    """An evaluation that must not start; ``errors`` maps each field (``model``,
    ``snapshots``, ``contamination_reason``) to why: the form shows them at the fields, the
    command prints them on one line."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class EvalPlan:
    """A checked evaluation, ready to be written."""

    model: str
    checkpoint: Checkpoint | None
    contamination: dict[str, Finding]
    contamination_reason: str


def _no_eval_rows(snapshots: list[Snapshot]) -> str:
    empty = [s for s in snapshots if not s.eval_rows]
    if not empty:
        return ""
    names = ", ".join(f"{s.short} ({s.rows} rows, none of them eval rows)" for s in empty)
    return f"snapshot {names}: an evaluation scores a suite's eval rows only"


def evalrun_check(
    *,
    model: str,
    snapshots: list[Snapshot],
    contamination_reason: str = "",
    in_domain: Collection[Snapshot] = (),
    checkpoint: Checkpoint | None = None,
) -> EvalPlan:
    """Every check an evaluation must pass, all at once (:class:`EvalRefused` names each
    field): a model that resolves (``run:ID`` of a run that succeeded; ``checkpoint`` names
    one exactly, for evaluation during training), suites with eval rows, and, for a trained
    model, suites it did not train on unless ``contamination_reason`` says why."""
    errors: dict[str, str] = {}
    if checkpoint is not None:
        model = f"run:{checkpoint.run_id}"
    else:
        try:
            _, checkpoint = resolve_model(model)
        except ValueError as exc:
            errors["model"] = str(exc)
    if not snapshots:
        errors["snapshots"] = "choose at least one eval snapshot"
    elif empty := _no_eval_rows(snapshots):
        errors["snapshots"] = empty
    findings: dict[str, Finding] = {}
    reason = contamination_reason.strip()
    if not errors and checkpoint is not None:
        findings = suite_findings(
            trained_on=trained_on(checkpoint.run), suites=snapshots, in_domain=in_domain
        )
        warned = contaminated(findings)
        if warned and not reason:
            errors["snapshots"] = (
                f"run {checkpoint.run_id} trained on problems of a chosen suite: "
                + "; ".join(f["summary"] for f in warned)
            )
            errors["contamination_reason"] = (
                "give a reason to evaluate anyway (it is recorded on the evaluation and its scores "
                "are marked contaminated), or choose other suites"
            )
    if errors:
        raise EvalRefused(errors)
    return EvalPlan(model.strip(), checkpoint, findings, reason if findings else "")


def evalrun_spec(run: EvalRun) -> JobSpec:
    """The ``generate`` JobSpec of ``run`` (DESIGN.md, "Wire contracts"), its sampling
    config checked and resolved by the worker's typed config (``generate_spec``; a
    ``ContractError`` before anything is sent). A ``run:ID`` model uses the checkpoint stored
    on the row at creation, never "the latest" of today (``checkpoint_eval_spec``); URIs are
    absolute, because the worker's working directory and artifact root may differ."""
    protocol = run.protocol_obj
    common: dict[str, Any] = {
        "job_id": run.job_id,
        "data_uris": [snapshot_uri(s.sha256) for s in run.snapshots.order_by("pk")],
        "artifact_prefix": artifact_storage().uri(run.artifact_prefix),
        "seed": protocol.seed,
        "method_config": protocol.method_config(),
    }
    checkpoint = run.init_checkpoint
    if checkpoint is None:
        return generate_spec(model=run.model, **common)
    trained = checkpoint.run
    return checkpoint_eval_spec(
        checkpoint_uri=checkpoint.uri, base_model=trained.base_model or trained.model, **common
    )


@transaction.atomic
def evalrun_create(
    *,
    by: User | None,
    model: str,
    snapshots: list[Snapshot],
    protocol: Protocol,
    name: str = "",
    dispatch: bool = True,
    checkpoint: Checkpoint | None = None,
    scheduled_by: TrainingRun | None = None,
    contamination_reason: str = "",
    in_domain: Collection[Snapshot] = (),
) -> EvalRun:
    """A queued evaluation; with ``dispatch`` its JobSpec goes to the GPU queue on commit.
    ``checkpoint``: evaluate exactly this :class:`~webapp.training.models.Checkpoint` (model
    ``run:ID`` of its run); otherwise a ``run:ID`` model is that run's latest checkpoint.
    ``scheduled_by``: the training run whose cadence asked for it (evaluation during training).
    ``in_domain``: suites a study declares to hold its training problems (marked, not warned).
    Whatever :func:`evalrun_check` refuses is an :class:`EvalRefused` before anything is
    stored; the contamination it finds is stored on the row."""
    plan = evalrun_check(
        model=model,
        snapshots=snapshots,
        contamination_reason=contamination_reason,
        in_domain=in_domain,
        checkpoint=checkpoint,
    )
    run = EvalRun.objects.create(
        name=name,
        model=plan.model,
        init_checkpoint=plan.checkpoint,
        scheduled_by=scheduled_by,
        protocol=protocol.to_dict(),
        protocol_hash=protocol.comparable_hash,
        contamination=plan.contamination,
        contamination_reason=plan.contamination_reason,
        created_by=by,
        message="waiting for a GPU worker",
    )
    run.snapshots.set(snapshots)
    run.artifact_prefix = f"evals/{run.pk}"
    run.save(update_fields=["artifact_prefix"])
    if dispatch:
        job_send(run, evalrun_spec(run), fresh=True)
    return run


def evalrun_schedule_for_checkpoint(*, checkpoint: Checkpoint, final: bool = False) -> EvalRun | None:
    """Evaluation during training: when ``checkpoint``'s run names an eval snapshot and a
    cadence (``eval_every``) and the checkpoint's step is a multiple of it, or it is the
    run's ``final`` one, queue an evaluation of exactly that checkpoint with the protocol
    stored on the run. Once per checkpoint (a repeated or concurrent call finds it made).
    Returns the evaluation, or None when the cadence asks for none."""
    from django.db import IntegrityError

    run = checkpoint.run
    if not run.eval_every or run.eval_snapshot_id is None:
        return None
    if checkpoint.step % run.eval_every and not final:
        return None
    existing = EvalRun.objects.filter(scheduled_by=run, init_checkpoint=checkpoint).first()
    if existing is not None:
        return existing
    protocol = Protocol.during_training(run.eval_protocol)
    # The launch checked this suite against the run's training data; what it finds is marked
    # on the evaluation, never refused here (an event handler has no one to ask).
    reason = run.contamination_override or f"scheduled by run {run.pk}'s evaluation cadence"
    suite = run.eval_snapshot
    assert suite is not None  # its id was checked above
    try:
        with transaction.atomic():
            return evalrun_create(
                by=run.created_by,
                model=f"run:{run.pk}",
                snapshots=[suite],
                protocol=protocol,
                name=f"{run.name or f'run {run.pk}'} at step {checkpoint.step}",
                checkpoint=checkpoint,
                scheduled_by=run,
                contamination_reason=reason,
            )
    except IntegrityError:  # another events process scheduled it first
        return EvalRun.objects.filter(scheduled_by=run, init_checkpoint=checkpoint).first()


def on_checkpoint_saved(sender: Any, *, checkpoint: Checkpoint, final: bool = False, **kwargs: Any) -> None:
    """Receiver of ``webapp.training.progress.checkpoint_saved``: evaluation during training
    (:func:`evalrun_schedule_for_checkpoint`), in the checkpoint event's transaction."""
    evalrun_schedule_for_checkpoint(checkpoint=checkpoint, final=final)


def evalrun_cancel(*, run: EvalRun, by: User | None) -> bool:
    """Stop an evaluation: the row (as every job), and the GPU worker through the job's Redis
    cancel key (``webapp.core.dispatch.control_for``), which it polls between batches
    (and before it starts, so a queued one stops at once). ``by`` must own it or be an
    admin; None is a command or the app itself (a cancelled study)."""
    if by is not None:
        require_owner_or_admin(by, obj=run, doing="cancel this evaluation")
    stopped = job_cancel(run)
    if stopped and run.phase == Phase.GENERATING:
        try:
            control_for(run).request_cancel()
        except Exception:  # Redis down: the row is cancelled; the worker's events change nothing
            log.exception("eval %s: could not set the cancel flag", run.job_id)
    return stopped


# --- events from the GPU worker ---------------------------------------------------------------


#: The ``finished`` payload's keys as the job bar's counters (flat "name: value" pairs).
_GENERATION_COUNTERS = {"count": "generated", "backend": "backend", "seconds": "seconds"}
_GENERATION_COUNTERS["samples_per_second"] = "samples/s"


def _finished(run: EvalRun, event: ProgressEvent) -> None:
    """Generation is over: the run is queued again, in phase judging, for the cpu job."""
    uri = str(event.payload.get("generations_uri", ""))
    if not uri:
        job_finish(EvalRun, run.pk, error="the worker finished without naming its generations file")
        return
    counters = {label: event.payload[k] for k, label in _GENERATION_COUNTERS.items() if k in event.payload}
    EVAL_EVENTS.rows(run).update(
        generations_uri=uri,
        phase=Phase.JUDGING,
        status=JobStatus.QUEUED,  # the judging task claims the row through the shared lifecycle
        done=0,
        total=int(event.payload.get("count", 0)),
        counters=counters,
        message="waiting for a cpu worker to judge",
    )
    enqueue_judging(run.pk)


#: The events of a generating evaluation (``eval-<pk>``), applied once each under a lock on the
#: row (``webapp/evaluation/generating.py``, shared with the playground).
EVAL_EVENTS = GenerateEvents(
    model=EvalRun,
    prefix=EVAL_JOB_PREFIX,
    noun="evaluation",
    id_noun="an evaluation",
    finished=_finished,
    cancelled_message="cancelled while generating",
    log_as_message=True,
)
apply_eval_event = EVAL_EVENTS.apply


# --- judging on the shared job machinery -----------------------------------------------------


def _judge_task() -> Any:
    from webapp.evaluation.tasks import eval_judge_task

    return eval_judge_task


def enqueue_judging(run_pk: int) -> None:
    """Send the ``cpu`` judging job of a run queued in phase judging, on commit, through the
    shared ``job_enqueue_stamped`` (Redis down: the run fails with the reason instead of
    waiting "queued for judging" forever; the time it was sent is kept for
    :data:`judging_resend`)."""
    job_enqueue_stamped(_judge_task(), EvalRun, run_pk, phase=Phase.JUDGING)


#: A reap hook (``AppConfig.ready``): a run queued for judging whose message was lost is sent
#: again (``webapp.core.jobs.queued_resend_hook``, shared with the playground).
judging_resend = queued_resend_hook(EvalRun, _judge_task, phase=Phase.JUDGING)


# --- indexing the generations file -----------------------------------------------------------


def _snapshot_for_uri(uri: str, snapshots: list[Snapshot]) -> Snapshot:
    for snapshot in snapshots:
        if uri.rstrip("/").endswith(f"{snapshot.sha256}.jsonl"):
            return snapshot
    raise JobError(f"a generation names data file {uri}, which is none of this run's snapshots")


def _read_generations(uri: str) -> Iterator[GenerationRecord]:
    """Each line of the generations file at ``uri`` as the worker wrote it, a
    :class:`GenerationRecord`; a line that is not one fails the judging, naming the line."""
    from training_worker.storage import Storage, StorageError

    storage = artifact_storage()
    root = storage.uri()
    if uri.startswith(root + "/"):
        reader, key = storage, uri[len(root) + 1 :]
    else:
        parent, _, name = uri.rstrip("/").rpartition("/")
        reader, key = Storage(parent or "."), name
    try:
        with reader.open(key, "rb") as fh:
            for lineno, data in read_objects(fh):
                try:
                    record = GenerationRecord.from_dict(data)
                except ContractError as exc:
                    raise JobError(f"{uri} line {lineno}: not a generation record: {exc}") from None
                yield record
    except JsonlError as exc:
        raise JobError(f"{uri} {exc}") from None
    except StorageError as exc:
        raise JobError(f"the generations file is missing: {exc}") from None


def suite_problems_ensure(snapshot: Snapshot, records: list[ProblemRecord]) -> None:
    """One :class:`SuiteProblem` per record of ``snapshot`` (idempotent)."""
    rows = []
    for r in records:
        depth = r.meta.get("depth")
        rows.append(
            SuiteProblem(
                snapshot=snapshot,
                task_id=r.task_id,
                source=r.source if r.source != "composite" or not r.pool else f"composite:{r.pool}",
                topic=str(r.meta.get("topic") or "")[:64],
                depth=depth if isinstance(depth, int) else None,
                atoms=[str(a) for a in r.meta.get("atoms") or []],
                ref=problem_ref(r),
                tests_version=snapshot_tests(r).version[:120],
            )
        )
    SuiteProblem.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)


def suite_eval_rows(snapshot: Snapshot) -> list[ProblemRecord]:
    """The rows of ``snapshot`` an evaluation generates for, judges and counts: its eval rows
    (the train rows of a mixed snapshot are what a model trains on, never what it is scored on)."""
    return list(snapshot_rows(snapshot, role=ItemRole.EVAL))


def generations_index(run: EvalRun) -> int:
    """Store every line of the run's generations file as a :class:`Generation` (once: a
    re-claimed job finds them stored). Every line must name an eval row of one of the run's
    suites. Returns how many the run has."""
    existing = Generation.objects.filter(run=run).count()
    if existing:
        return existing
    snapshots = list(run.snapshots.all())
    known: dict[int, set[str]] = {}
    for snapshot in snapshots:
        records = suite_eval_rows(snapshot)
        suite_problems_ensure(snapshot, records)
        known[snapshot.pk] = {r.task_id for r in records}
    batch: list[Generation] = []
    count = 0
    for sample in _read_generations(run.generations_uri):
        snapshot = _snapshot_for_uri(sample.data_uri, snapshots)
        if sample.task_id not in known[snapshot.pk]:
            raise JobError(
                f"generation for {sample.task_id!r}, which is not an eval row of snapshot {snapshot.short} "
                "(an evaluation scores eval rows only)"
            )
        batch.append(
            Generation(
                run=run,
                snapshot=snapshot,
                task_id=sample.task_id,
                sample_index=sample.sample_index,
                prompt=db_text(sample.prompt),
                completion=db_text(sample.completion),
                code=db_text(sample.code),
                prompt_tokens=sample.prompt_tokens,
                completion_tokens=sample.completion_tokens,
                finish_reason=sample.finish_reason[:32],
                seconds=float(sample.seconds),
            )
        )
        if len(batch) >= INSERT_BATCH:
            Generation.objects.bulk_create(batch, ignore_conflicts=True)
            count += len(batch)
            batch = []
    Generation.objects.bulk_create(batch, ignore_conflicts=True)
    return count + len(batch)


# --- judging ------------------------------------------------------------------------------------


def _short(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= KEEP_CHARS else text[:KEEP_CHARS] + "\n… (trimmed)"


def _tests_by_problem(run: EvalRun, *, current: bool) -> dict[tuple[int, str], ProblemTests]:
    out: dict[tuple[int, str], ProblemTests] = {}
    for snapshot in run.snapshots.all():
        records = suite_eval_rows(snapshot)
        tests = current_tests(records) if current else {r.task_id: snapshot_tests(r) for r in records}
        out.update({(snapshot.pk, t): v for t, v in tests.items()})
    return out


def _program(generation: Generation, tests: ProblemTests) -> str:
    if generation.code.strip():
        return generation.code
    from sandbox import extract_code

    return extract_code(generation.completion, tests.entry_point, tests.prompt)


def judge_generations(
    generations: list[Generation], tests: dict[tuple[int, str], ProblemTests], *, timeout_s: float
) -> None:
    """Judge ``generations`` in one sandbox batch and store verdicts and case outcomes."""
    requests = []
    for g in generations:
        problem = tests[(g.snapshot_id, g.task_id)]
        requests.append(problem.request(_program(g, problem), timeout_s=timeout_s, id=str(g.pk)))
    results = sandbox_client().judge_batch(requests)
    now = timezone.now()
    outcomes: list[CaseOutcome] = []
    for g, request, result in zip(generations, requests, results, strict=True):
        seen = categorize(result, program=request.program)
        g.code = db_text(request.program)  # what was judged (extracted when the worker sent none)
        g.verdict, g.passed, g.category, g.error_type = (
            str(result.verdict),
            result.passed,
            seen.category.value,
            seen.error_type,
        )
        g.error, g.stdout, g.stderr = (
            db_text(_short(t)) for t in (result.error, result.stdout, result.stderr)
        )
        g.isolation = result.isolation[:200]
        g.tests_version = tests[(g.snapshot_id, g.task_id)].version[:120]
        g.judged_at = now
        for case in result.cases:
            outcomes.append(
                CaseOutcome(
                    generation=g,
                    index=case.index,
                    input=case.args,
                    expected=case.expected,
                    got=db_json(case.got),
                    error=db_text(_short(case.error)),
                    passed=case.passed,
                    duration_ms=case.duration_ms,
                )
            )
    fields = ["code", "verdict", "passed", "category", "error_type", "error", "stdout", "stderr"]
    fields += ["isolation", "tests_version", "judged_at"]
    with transaction.atomic():
        Generation.objects.bulk_update(generations, fields)
        CaseOutcome.objects.filter(generation__in=generations).delete()
        CaseOutcome.objects.bulk_create(outcomes, batch_size=INSERT_BATCH)


def evalrun_judge(*, run_pk: int, current: bool | None = None) -> dict[str, Any] | None:
    """The ``cpu`` job of a run in phase judging: index, judge, score (module docstring).
    ``current``: judge against the tests the problems' sources hold now; by default, when the
    run is being re-scored (``rescored``), so a re-delivered task judges as the first did."""

    def work(ctx: JobContext) -> dict[str, Any]:
        run = EvalRun.objects.get(pk=run_pk)
        against_current = run.rescored > 0 if current is None else current
        protocol = run.protocol_obj
        total = generations_index(run)
        tests = _tests_by_problem(run, current=against_current)
        todo = Generation.objects.filter(run=run)
        if not against_current:  # a re-claimed job continues where the last attempt stopped
            todo = todo.filter(judged_at__isnull=True)
        done = total - todo.count()
        ctx.progress(done, total, "judging in the sandbox")
        ids = list(todo.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), JUDGE_BATCH):
            if ctx.should_stop():
                raise JobCancelled({"judged": done, "total": total})
            chunk = list(Generation.objects.filter(pk__in=ids[start : start + JUDGE_BATCH]).order_by("pk"))
            judge_generations(chunk, tests, timeout_s=protocol.timeout_s)
            done += len(chunk)
            ctx.progress(done, total, "judging in the sandbox")
        ctx.progress(done, total, "computing pass@k")
        scores = scores_compute(run)
        ctx.progress(done, total, f"judged {total} generations")
        EvalRun.objects.filter(pk=run_pk).update(phase=Phase.DONE)
        passed = Generation.objects.filter(run=run, passed=True).count()
        return {
            "generations": total,
            "passed": passed,
            "current_tests": against_current,
            "scores": scores,
            "generation": run.counters,
        }

    return job_run(EvalRun, run_pk, work)


# --- scores -----------------------------------------------------------------------------------


def scores_compute(run: EvalRun) -> list[dict[str, Any]]:
    """Store each problem's tally and each suite's pass@k (every k of the protocol that the
    samples allow) with its 95% bootstrap interval over problems. Returns them as dicts."""
    results = _problem_results(run, _problem_tallies(run))
    scores = _suite_scores(run, results, _frozen_test_versions(run))
    with transaction.atomic():
        ProblemResult.objects.filter(run=run).delete()
        ProblemResult.objects.bulk_create(results, batch_size=INSERT_BATCH)
        SuiteScore.objects.filter(run=run).delete()
        SuiteScore.objects.bulk_create(scores)
    return [
        {
            "snapshot": s.snapshot_id,
            "k": s.k,
            "value": s.estimate,
            "low": s.ci_low,
            "high": s.ci_high,
            "problems": s.n_problems,
            "tests_version": s.tests_version,
        }
        for s in scores
    ]


def _problem_tallies(run: EvalRun) -> dict[tuple[int, str], dict[str, Any]]:
    """``(suite, task) -> {n, c, categories of the failures, tests versions judged against}``
    over the run's judged generations."""
    tallies: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "c": 0, "categories": defaultdict(int), "versions": set()}
    )
    rows = Generation.objects.filter(run=run, judged_at__isnull=False).values_list(
        "snapshot_id", "task_id", "passed", "category", "tests_version"
    )
    for snapshot_id, task_id, passed, category, version in rows.iterator(chunk_size=5000):
        tally = tallies[(snapshot_id, task_id)]
        tally["n"] += 1
        tally["c"] += 1 if passed else 0
        if not passed:
            tally["categories"][category] += 1
        tally["versions"].add(version)
    return tallies


def _problem_results(run: EvalRun, tallies: dict[tuple[int, str], dict[str, Any]]) -> list[ProblemResult]:
    """One unsaved :class:`ProblemResult` per tallied problem."""
    return [
        ProblemResult(
            run=run,
            snapshot_id=s,
            task_id=t,
            n=v["n"],
            c=v["c"],
            categories=dict(v["categories"]),
            tests_version=", ".join(sorted(v["versions"]))[:120],
        )
        for (s, t), v in tallies.items()
    ]


def _frozen_test_versions(run: EvalRun) -> dict[tuple[int, str], str]:
    """``(suite, task) -> the tests version frozen in the snapshot`` for the run's suites."""
    return dict(
        ((s, t), v)
        for s, t, v in SuiteProblem.objects.filter(snapshot__in=run.snapshots.all()).values_list(
            "snapshot_id", "task_id", "tests_version"
        )
    )


def _suite_scores(
    run: EvalRun, results: list[ProblemResult], frozen: dict[tuple[int, str], str]
) -> list[SuiteScore]:
    """Unsaved :class:`SuiteScore` rows: per suite, pass@k for every k of the run's protocol
    that its problems' samples allow, saying whether the tests were the snapshot's or how
    many problems were judged against changed ones."""
    ks = run.protocol_obj.ks
    by_suite: dict[int, list[ProblemResult]] = defaultdict(list)
    for r in results:
        by_suite[r.snapshot_id].append(r)
    scores: list[SuiteScore] = []
    for snapshot_id, problems in sorted(by_suite.items()):
        counts = [PassCounts(p.task_id, p.n, p.c) for p in problems]
        changed = sum(
            1 for p in problems if frozen.get((snapshot_id, p.task_id), p.tests_version) != p.tests_version
        )
        version = "snapshot" if not changed else f"current ({changed} of {len(problems)} changed)"
        for k in usable_ks(ks, min(p.n for p in problems)):
            est = suite_pass_at_k(counts, k, resamples=SCORE_RESAMPLES, seed=0)
            scores.append(
                SuiteScore(
                    run=run,
                    snapshot_id=snapshot_id,
                    k=k,
                    estimate=est.value,
                    ci_low=est.low,
                    ci_high=est.high,
                    n_problems=est.problems,
                    tests_version=version,
                )
            )
    return scores


# --- re-scoring and review --------------------------------------------------------------------


@transaction.atomic
def evalrun_rescore(*, run: EvalRun, by: User | None, enqueue: bool = True) -> EvalRun:
    """Queue a re-judging of ``run``'s stored generations against the tests the problems'
    sources hold now (no generation). Only a finished run that has generations, and only
    its owner or an admin (``by``; None is ``manage.py rescore``): the numbers are theirs."""
    if by is not None:
        require_owner_or_admin(by, obj=run, doing="re-score this evaluation", action=Action.EVAL_RUN)
    if not run.finished or not run.generations_uri:
        raise ValueError("only a finished evaluation with stored generations can be re-scored")
    changed = EvalRun.objects.filter(
        pk=run.pk, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
    ).update(
        status=JobStatus.QUEUED,
        phase=Phase.JUDGING,
        done=0,
        error="",
        cancel_requested=False,
        finished_at=None,
        message=f"re-scoring against current tests (asked by {by.username if by else 'a command'})",
        rescored=run.rescored + 1,
    )
    if changed != 1:
        raise ValueError("the evaluation is already being judged")
    _drop_train_row_generations(run)
    if enqueue:
        pk = run.pk
        enqueue_judging(pk)
    run.refresh_from_db()
    return run


def _drop_train_row_generations(run: EvalRun) -> int:
    """Generations of rows that are not eval rows (an evaluation made before evaluations
    kept to eval rows generated for every row): re-scoring counts eval rows only, so these
    are removed. Returns how many."""
    dropped = 0
    for snapshot in run.snapshots.all():
        eval_ids = [r.task_id for r in suite_eval_rows(snapshot)]
        stale = Generation.objects.filter(run=run, snapshot=snapshot).exclude(task_id__in=eval_ids)
        dropped += stale.delete()[1].get("evaluation.Generation", 0)
    if dropped:
        log.info("eval %s: dropped %d generations of train rows before re-scoring", run.pk, dropped)
    return dropped


def generation_review(*, generation: Generation, by: User, label: str, note: str = "") -> Generation:
    """Record a researcher's label (and note) on a generation; an empty label clears it."""
    if label and label not in ReviewLabel.values:
        raise ValueError(f"unknown review label {label!r}")
    generation.review_label = label
    generation.review_note = note.strip()[:5000]
    generation.reviewed_by = by if label else None
    generation.reviewed_at = timezone.now() if label else None
    generation.save(update_fields=["review_label", "review_note", "reviewed_by", "reviewed_at"])
    return generation
