"""Studies: create one from a template, advance it as its inputs appear, resume a failed arm,
and compute its results (one table, paired differences to the reference arm, a figure, a CSV
and a summary that never claims more than its intervals).

``study_advance`` is the only place that launches a study's work. It is idempotent: it looks
at what exists (pools, snapshots, training runs, evaluations) and starts what has its inputs,
so calling it twice, or after a worker died and a run was resumed, simply continues.
"""

from __future__ import annotations

import csv
import io
import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from webapp.accounts.models import User
from webapp.core.access import Action, require, require_owner_or_admin
from webapp.core.artifacts import artifact_root
from webapp.core.models import JobStatus
from webapp.evaluation.metrics import (
    Estimate,
    PassCounts,
    bootstrap_mean,
    paired_difference,
    per_problem_pass_at_k,
    pool_seeds,
)
from webapp.mixtures.models import Mixture, Snapshot
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.recipe_file import RecipeFile
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.mixtures.services.contamination import ContaminationError, contamination_check
from webapp.mixtures.tokenizing import TokenizerError
from webapp.studies.category_results import categories_present, category_table
from webapp.studies.design import (
    DesignError,
    Difference,
    PoolPlan,
    StudyDesign,
    arm_protocol,
    design_parse,
    undeclared,
)
from webapp.studies.models import Study, StudySnapshot, StudyStatus, StudyUnit
from webapp.studies.planning import BASE_ARM, measured_rate, resolution_for
from webapp.studies.summary import Comparison, study_summary
from webapp.studies.validation import design_errors
from webapp.synthesis.models import SynthesisRun
from webapp.training.selectors import TrainingSummary, training_summaries

log = logging.getLogger(__name__)

ADVANCE_TASK = "atomlab.cpu.studies_advance"
IN_PROGRESS = (JobStatus.QUEUED, JobStatus.RUNNING)
ENDED_BADLY = (JobStatus.FAILED, JobStatus.CANCELLED)


class StudyRefused(Exception):
    """A study that must not launch; ``differences`` holds the undeclared ones, if that is why."""

    def __init__(self, message: str, differences: Iterable[Difference] = ()) -> None:
        super().__init__(message)
        self.differences = list(differences)


class PrepError(Exception):
    """The study's data cannot be prepared (the message says what and why)."""


# --- creating --------------------------------------------------------------------------------


def study_design(study: Study) -> StudyDesign:
    return design_parse(study.template_text, scale=study.scale, seeds=study.seeds)


@transaction.atomic
def study_create(
    *,
    by: User,
    template: str,
    text: str,
    scale: str,
    seeds: int | None = None,
    name: str = "",
    contamination_override: str = "",
    advance: bool = True,
) -> Study:
    """Resolve the template at ``scale`` and create the study with one unit per arm and seed.
    Refuses (:class:`StudyRefused`) a template that does not resolve or whose arms differ in
    anything the template does not declare, listing each such difference."""
    require(by, Action.RUN_LAUNCH)
    if seeds is not None and not 1 <= seeds <= 20:
        raise StudyRefused("seeds must be between 1 and 20")
    try:
        design = design_parse(text, scale=scale, seeds=seeds)
    except DesignError as exc:
        raise StudyRefused(str(exc)) from exc
    extra = undeclared(design)
    if extra:
        keys = ", ".join(d.key for d in extra)
        raise StudyRefused(
            f"the arms differ in settings the study does not declare as factors ({keys}); "
            "declare them under factors or make the arms agree",
            extra,
        )
    errors = design_errors(design)
    if errors:
        raise StudyRefused("the study is invalid: " + "; ".join(errors))
    study = Study.objects.create(
        name=(name.strip() or design.title)[:200],
        template=template[:100],
        template_text=text,
        scale=scale,
        seeds=seeds,
        contamination_override=contamination_override.strip(),
        created_by=by,
        message="queued: preparing data",
    )
    StudyUnit.objects.bulk_create(
        StudyUnit(study=study, arm=arm.name, seed=seed, order=i)
        for i, arm in enumerate(design.arms)
        for seed in arm.seeds
    )
    if advance:
        advance_on_commit(study.pk)
    return study


def advance_on_commit(study_id: int) -> None:
    """Queue one :func:`study_advance` once the transaction commits."""
    from webapp.studies.tasks import study_advance_task

    study_advance_task.delay_on_commit(study_id)


def on_job_finished(sender: Any, pk: int, status: str, **_: Any) -> None:
    """A job ended: advance (on commit, on the cpu queue) every study that waits on it."""
    label = sender._meta.label
    if label == "training.TrainingRun":
        ids = set(StudyUnit.objects.filter(training_run_id=pk).values_list("study_id", flat=True))
    elif label == "evaluation.EvalRun":
        ids = set(StudyUnit.objects.filter(eval_run_id=pk).values_list("study_id", flat=True))
        ids |= set(Study.objects.filter(base_eval_id=pk).values_list("pk", flat=True))
    elif label == "core.BackgroundJob":
        ids = set(Study.objects.filter(synthesis_job_id=pk).values_list("pk", flat=True))
    else:
        return
    for study_id in ids:
        advance_on_commit(study_id)


# --- advancing ---------------------------------------------------------------------------------


#: Unit states whose job waits for a free GPU-queue worker.
QUEUED = ("queued", "eval queued")
#: Unit states in which the unit will move on by itself.
MOVING = (*QUEUED, "training", "trained", "evaluating")


def unit_state(unit: StudyUnit) -> str:
    """waiting | blocked | queued | training | trained | eval queued | evaluating | failed |
    done. "queued" and "eval queued": the job waits for a free GPU-queue worker (each runs one
    job at a time)."""
    if unit.blocked:
        return "blocked"
    run = unit.training_run
    if run is None:
        return "waiting"
    if run.status == JobStatus.QUEUED:
        return "queued"
    if run.status in IN_PROGRESS:
        return "training"
    if run.status in ENDED_BADLY:
        return "failed"
    ev = unit.eval_run
    if ev is None:
        return "trained"
    if ev.status == JobStatus.QUEUED:
        return "eval queued"
    if ev.status in IN_PROGRESS:
        return "evaluating"
    if ev.status in ENDED_BADLY:
        return "failed"
    return "done"


def _reusable_pools(plan: PoolPlan) -> SynthesisRun | None:
    """The synthesis run whose composites the plan's stored pools hold now, when it asked for
    exactly the plan (sizes, seed, depth, disjointness), succeeded, filled every pool to its
    size and used the atom library as it is now; otherwise None."""
    from webapp.synthesis.selectors import pools_owner
    from webapp.synthesis.services import current_library_version

    owner, sizes = pools_owner(list(plan.stored_sizes))
    if owner is None or owner.job is None or owner.job.status != JobStatus.SUCCEEDED:
        return None
    if not plan.matches(owner.params) or sizes != plan.stored_sizes:
        return None
    return owner if owner.library_version == current_library_version() else None


def _synthesise(study: Study, plan: PoolPlan) -> str:
    from webapp.synthesis.pipeline import SynthesisConfig
    from webapp.synthesis.services import run_create

    config = SynthesisConfig(
        pools=plan.stored_sizes, seed=plan.seed, depth=plan.depth, disjoint_pairs=plan.disjoint_pairs
    )
    run = run_create(by=study.created_by, config=config, isolated=True)
    study.synthesis_run, study.synthesis_job = run, run.job
    study.save(update_fields=["synthesis_run", "synthesis_job"])
    return f"synthesising composite pools ({run.pools_text})"


def _pools_ready(study: Study, design: StudyDesign) -> str | None:
    """None once the study's pools hold exactly what its template declares, from the synthesis
    run recorded on the study (one it started, or a stored set made with exactly the declared
    settings); otherwise what it waits for. :class:`PrepError` when they cannot be had."""
    plan = design.pools
    if plan is None:
        return None
    run = study.synthesis_run
    if run is None:
        reuse = _reusable_pools(plan)
        if reuse is None:
            return _synthesise(study, plan)
        study.synthesis_run = run = reuse
        study.save(update_fields=["synthesis_run"])
    job = run.job
    if job is not None and not job.finished:
        return f"synthesising composite pools: {job.done} of {job.total}"
    if job is not None and job.status != JobStatus.SUCCEEDED:
        raise PrepError(
            f"synthesis run {run.pk} of the study's composite pools {job.status}: {job.error or 'no reason'}"
        )
    from webapp.synthesis.selectors import pools_owner

    owner, sizes = pools_owner(list(plan.stored_sizes))
    if owner is not None and owner.pk != run.pk:
        # Another study with the same declared pools synthesised them again: the same
        # settings and library make the same composites, so its run is as good (recorded).
        reuse = _reusable_pools(plan)
        if reuse is None:
            raise PrepError(
                f"the study's composite pools were replaced after synthesis run {run.pk} made them"
            )
        study.synthesis_run = run = reuse
        study.save(update_fields=["synthesis_run"])
    if sizes != plan.stored_sizes:
        got = ", ".join(f"{p}: {sizes[p]} of {n}" for p, n in plan.stored_sizes.items())
        raise PrepError(
            f"synthesis run {run.pk} could not fill the declared pools ({got}); a study uses exactly "
            "the pools it declares: lower the sizes or widen synthesis.depth"
        )
    return None


def _freeze(study: Study, kind: str, key: str, recipe: RecipeFile) -> None:
    if study.snapshots.filter(kind=kind, key=key).exists():
        return
    name = f"study {study.pk} {kind} {key}"
    mixture = Mixture.objects.filter(name=name).first()
    try:
        if mixture is None:
            mixture = mixture_create(
                name=name,
                by=study.created_by,
                seed=recipe.seed,
                tokenizer=recipe.tokenizer,
                items=recipe.items,
                description=f"Made by study {study.pk} ({study.name}) from its template.",
            )
        snapshot = snapshot_freeze(version=mixture.latest, by=study.created_by)
    except (RecipeError, TokenizerError) as exc:
        raise PrepError(f"{kind} {key}: {exc}") from exc
    StudySnapshot.objects.create(study=study, kind=kind, key=key, snapshot=snapshot)


def _check_contamination(study: Study, design: StudyDesign) -> None:
    if study.contamination_override:
        return
    trains = {s.key: s.snapshot for s in study.snapshots.filter(kind="train").select_related("snapshot")}
    evals = {s.key: s.snapshot for s in study.snapshots.filter(kind="eval").select_related("snapshot")}
    used = {arm.train for arm in design.arms}
    found = []
    for key in sorted(used):
        for suite, ev in sorted(evals.items()):
            if suite in design.in_domain:
                continue  # holds training problems by design (declared in the template)
            try:
                contamination_check(train=trains[key], eval=ev)
            except ContaminationError as exc:
                found.append(f"{key} vs {suite}: {exc}")
    if found:
        raise PrepError(
            "contaminated: " + "; ".join(found) + ". Record a reason to override, or change the mixtures."
        )


def _prepare(study: Study, design: StudyDesign) -> str | None:
    frozen = study.snapshots.count() == len(design.evals) + len({arm.train for arm in design.arms})
    waiting = None if frozen else _pools_ready(study, design)
    if waiting:
        return waiting
    for key, recipe in design.mixtures.items():
        if any(arm.train == key for arm in design.arms):
            _freeze(study, "train", key, recipe)
    for key, recipe in design.evals.items():
        _freeze(study, "eval", key, recipe)
    _check_contamination(study, design)
    return None


def _protocol(design: StudyDesign) -> Any:
    return arm_protocol(design.arms[0])


def _eval_snapshots(study: Study) -> list[Snapshot]:
    return [
        s.snapshot for s in study.snapshots.filter(kind="eval").select_related("snapshot").order_by("key")
    ]


def _launch_training(
    study: Study, design: StudyDesign, unit: StudyUnit, units: dict[tuple[str, int], StudyUnit]
) -> None:
    from webapp.training.services import LaunchRefused, LaunchRequest, run_launch

    arm = design.arm(unit.arm)
    model = arm.model
    if arm.depends_on is not None:
        dep = units[(arm.depends_on, unit.seed)]
        if dep.training_run is None or dep.training_run.status != JobStatus.SUCCEEDED:
            return  # starts as soon as its input exists
        model = f"run:{dep.training_run.pk}"
    train = study.snapshots.get(kind="train", key=arm.train).snapshot
    request = LaunchRequest(
        method=arm.method,
        model=model,
        train_snapshot=train,
        seed=unit.seed,
        config=dict(arm.hyper),
        name=f"{study.name} · {arm.name} · seed {unit.seed}"[:200],
        contamination_override=study.contamination_override,
    )
    assert study.created_by is not None
    try:
        unit.training_run = run_launch(by=study.created_by, request=request)
        unit.blocked = ""
    except LaunchRefused as exc:
        unit.blocked = f"launch refused: {exc}"[:500]
    unit.save(update_fields=["training_run", "blocked"])


def _launch_eval(study: Study, unit: StudyUnit | None, model: str, label: str) -> Any:
    from webapp.evaluation.services import evalrun_create

    design = study_design(study)
    suites = {s.key: s.snapshot for s in study.snapshots.filter(kind="eval").select_related("snapshot")}
    return evalrun_create(
        by=study.created_by,
        model=model,
        snapshots=_eval_snapshots(study),
        protocol=_protocol(design),
        name=f"{study.name} · {label}"[:200],
        # Suites the template declares in-domain are marked so, not warned; the study checked
        # the others before training (or recorded why not), so what is found is marked too.
        in_domain=[suites[key] for key in design.in_domain if key in suites],
        contamination_reason=study.contamination_override or f"checked by study {study.pk} before training",
    )


#: Advancing that raises is tried this many times in a row; then the study stalls with the
#: error until its owner retries it (:func:`study_retry`).
ADVANCE_ATTEMPTS = 5
#: Seconds before the first retry, doubled after each failure (10, 20, 40, 80 s): a passing
#: outage (the database restarting, the sandbox busy) heals, a real bug stalls in minutes.
ADVANCE_BACKOFF_S = 10.0


def study_advance(study_id: int) -> str:
    """Move the study on as far as its inputs allow; returns its status.

    An exception while advancing rolls that attempt back (nothing it froze or launched is
    kept), records the error and the time of the next try, ``ADVANCE_BACKOFF_S`` doubled per
    failure; a call before that time (beat's every 10 s, a job's end) does nothing. After
    ``ADVANCE_ATTEMPTS`` failures in a row the study is **stalled** with the error and is not
    advanced again until :func:`study_retry`."""
    study = Study.objects.only("status", "advance_attempts", "advance_retry_at").get(pk=study_id)
    if study.advance_attempts >= ADVANCE_ATTEMPTS:
        return study.status
    if study.advance_retry_at is not None and timezone.now() < study.advance_retry_at:
        return study.status
    try:
        status = _advance(study_id)
    except Exception as exc:
        log.exception("advancing study %s failed", study_id)
        return _advance_failed(study_id, exc)
    if study.advance_attempts:
        cleared = Study.objects.filter(pk=study_id)
        cleared.update(advance_attempts=0, advance_retry_at=None)
        cleared.exclude(status=StudyStatus.FAILED).update(error="")
    return status


def _advance_failed(study_id: int, exc: Exception) -> str:
    """Record one failed attempt: the error, and the next try or the stall."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study_id)
        study.advance_attempts += 1
        study.error = f"{type(exc).__name__}: {exc}"[:4000]
        if study.advance_attempts >= ADVANCE_ATTEMPTS:
            study.status, study.advance_retry_at = StudyStatus.STALLED, None
            study.message = (
                f"stalled: advancing failed {study.advance_attempts} times in a row (the error is below); "
                "retry the study once its cause is fixed"
            )
        else:
            delay = ADVANCE_BACKOFF_S * 2 ** (study.advance_attempts - 1)
            study.advance_retry_at = timezone.now() + timedelta(seconds=delay)
            study.message = (
                f"advancing failed (attempt {study.advance_attempts} of {ADVANCE_ATTEMPTS}); "
                f"trying again in {delay:.0f} s"
            )
        study.save(update_fields=["advance_attempts", "error", "status", "advance_retry_at", "message"])
    return study.status


def study_retry(*, study: Study, by: User) -> None:
    """Clear a stall caused by errors while advancing and advance again at once (on commit).
    Its owner or an admin only; a study stalled by a failed arm resumes that arm instead."""
    require_owner_or_admin(by, obj=study, doing="retry this study", action=Action.RUN_LAUNCH)
    if study.status != StudyStatus.STALLED or not study.advance_attempts:
        raise StudyRefused(
            f"study {study.pk} is {study.status} with no advancing error; a failed arm is resumed on its own"
        )
    status = StudyStatus.PREPARING if study.base_eval_id is None else StudyStatus.RUNNING
    with transaction.atomic():
        Study.objects.filter(pk=study.pk, status=StudyStatus.STALLED).update(
            status=status, advance_attempts=0, advance_retry_at=None, error="", message="retrying"
        )
        advance_on_commit(study.pk)


@transaction.atomic
def _advance(study_id: int) -> str:
    study = Study.objects.select_for_update().get(pk=study_id)
    if study.finished:
        return study.status
    design = study_design(study)
    if study.status == StudyStatus.PREPARING:
        try:
            waiting = _prepare(study, design)
        except PrepError as exc:
            study.status, study.error, study.finished_at = StudyStatus.FAILED, str(exc), timezone.now()
            study.message = "preparation failed"
            study.save(update_fields=["status", "error", "finished_at", "message"])
            return study.status
        if waiting:
            study.message = waiting[:500]
            study.save(update_fields=["message"])
            return study.status
        study.status = StudyStatus.RUNNING
    if study.base_eval is None:
        study.base_eval = _launch_eval(study, None, design.arms[0].model, "base model")
    units = {
        (u.arm, u.seed): u
        for u in study.units.select_related("training_run", "eval_run").order_by("order", "seed")
    }
    for unit in units.values():
        if unit.training_run is None and not unit.blocked:
            _launch_training(study, design, unit, units)
        elif (
            unit.training_run is not None
            and unit.training_run.status == JobStatus.SUCCEEDED
            and unit.eval_run is None
        ):
            unit.eval_run = _launch_eval(
                study, unit, f"run:{unit.training_run.pk}", f"{unit.arm} seed {unit.seed}"
            )
            unit.save(update_fields=["eval_run"])
    states = {key: unit_state(u) for key, u in units.items()}
    base = study.base_eval
    base_done = base is not None and base.status == JobStatus.SUCCEEDED
    moving = [k for k, s in states.items() if s in MOVING]
    waiting_on_failed = [
        k for k, s in states.items() if s == "waiting" and _dependency_failed(design, units, units[k])
    ]
    bad = [k for k, s in states.items() if s in ("failed", "blocked")]
    if all(s == "done" for s in states.values()) and base_done:
        study.results = study_results(study)
        study.status, study.finished_at = StudyStatus.SUCCEEDED, timezone.now()
        study.message = "done"
    elif bad and not moving and (base is None or base.status not in IN_PROGRESS):
        names = ", ".join(f"{a} seed {s}" for a, s in bad)
        study.status = StudyStatus.STALLED
        blocked = f"; waiting on them: {len(waiting_on_failed)} unit(s)" if waiting_on_failed else ""
        study.message = f"failed: {names}. Resume them on this page{blocked}."[:500]
    else:
        study.status = StudyStatus.RUNNING
        done = sum(s == "done" for s in states.values())
        queued = sum(s in QUEUED for s in states.values())
        wait = f"; {queued} job(s) queued for a free GPU worker" if queued else ""
        study.message = f"{done} of {len(states)} arm runs done{wait}"
    study.save(update_fields=["status", "base_eval", "results", "finished_at", "message"])
    return study.status


def _dependency_failed(design: StudyDesign, units: dict[tuple[str, int], StudyUnit], unit: StudyUnit) -> bool:
    dep = design.arm(unit.arm).depends_on
    return dep is not None and unit_state(units[(dep, unit.seed)]) in ("failed", "blocked")


def unit_resume(*, unit: StudyUnit, by: User) -> StudyUnit:
    """Resume a failed unit alone: a failed or cancelled training run continues from its last
    checkpoint (or starts again when it saved none); a failed evaluation is run again; a
    refused launch is tried again. The other arms are not touched. Only the study's owner
    or an admin: the arm spends GPU time in the owner's name."""
    from webapp.training.services import RunActionRefused, run_resume

    require_owner_or_admin(by, obj=unit.study, doing="resume this study's arms", action=Action.RUN_LAUNCH)
    state = unit_state(unit)
    if state not in ("failed", "blocked"):
        raise StudyRefused(f"{unit.arm} seed {unit.seed} is {state}; only a failed arm can be resumed")
    with transaction.atomic():
        run = unit.training_run
        if unit.blocked:
            unit.blocked = ""
        elif run is not None and run.status in ENDED_BADLY:
            try:
                run_resume(run=run, by=by)
            except RunActionRefused:
                unit.training_run = None  # no checkpoint: launch it again from the start
        else:
            unit.eval_run = None
        unit.save(update_fields=["blocked", "training_run", "eval_run"])
        Study.objects.filter(pk=unit.study_id, status=StudyStatus.STALLED).update(
            status=StudyStatus.RUNNING,
            message=f"resumed {unit.arm} seed {unit.seed}",
            advance_attempts=0,
            advance_retry_at=None,
        )
        advance_on_commit(unit.study_id)
    return unit


def study_cancel(*, study: Study, by: User) -> None:
    """Stop every run and evaluation of the study that is still going; the study ends as
    cancelled. Only its owner or an admin, checked before anything stops, and all of it in
    one transaction: never a half-cancelled study. (Its runs and evaluations are the
    owner's, made in their name, so the checks inside pass for whoever passed this one.)"""
    from webapp.evaluation.services import evalrun_cancel
    from webapp.training.services import run_cancel

    require_owner_or_admin(by, obj=study, doing="cancel this study", action=Action.RUN_LAUNCH)
    with transaction.atomic():
        for unit in study.units.select_related("training_run", "eval_run"):
            if unit.training_run is not None and unit.training_run.status in IN_PROGRESS:
                run_cancel(run=unit.training_run, by=by)
            if unit.eval_run is not None and unit.eval_run.status in IN_PROGRESS:
                evalrun_cancel(run=unit.eval_run, by=by)
        if study.base_eval is not None and study.base_eval.status in IN_PROGRESS:
            evalrun_cancel(run=study.base_eval, by=by)
        Study.objects.filter(pk=study.pk).exclude(
            status__in=[StudyStatus.SUCCEEDED, StudyStatus.FAILED, StudyStatus.CANCELLED]
        ).update(status=StudyStatus.CANCELLED, finished_at=timezone.now(), message="cancelled")


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One arm on one suite at one k: pooled over seeds, with the spread of the seeds."""

    arm: str
    suite: str
    k: int
    estimate: Estimate
    seeds: int
    seed_values: list[float]


def _problem_scores(eval_run: Any, snapshot: Snapshot, k: int) -> dict[str, float]:
    from webapp.evaluation.models import ProblemResult

    counts = [
        PassCounts(task_id=r.task_id, n=r.n, c=r.c)
        for r in ProblemResult.objects.filter(run=eval_run, snapshot=snapshot).only("task_id", "n", "c")
    ]
    return per_problem_pass_at_k([c for c in counts if c.n >= k], k)


def study_results(study: Study) -> dict[str, Any]:
    """The table (arms × suites × k, pooled over seeds, with the seeds' spread), the paired
    difference of every arm to the reference arm over shared problems, the summary, and the
    exported figure and CSV (under ``studies/<id>/`` of the artifact root)."""
    design = study_design(study)
    protocol = _protocol(design)
    suites = {s.key: s.snapshot for s in study.snapshots.filter(kind="eval").select_related("snapshot")}
    by_arm: dict[str, list[Any]] = {BASE_ARM: [study.base_eval] if study.base_eval else []}
    for unit in study.units.select_related("eval_run").order_by("order", "seed"):
        if unit.eval_run is not None:
            by_arm.setdefault(unit.arm, []).append(unit.eval_run)
    cells: list[Cell] = []
    pooled: dict[tuple[str, str, int], dict[str, float]] = {}
    for arm, runs in by_arm.items():
        for suite, snapshot in sorted(suites.items()):
            for k in protocol.ks:
                per_seed = [_problem_scores(run, snapshot, k) for run in runs]
                per_seed = [s for s in per_seed if s]
                if not per_seed:
                    continue
                scores = pool_seeds(per_seed)
                pooled[(arm, suite, k)] = scores
                seed_values = [statistics.fmean(s.values()) for s in per_seed]
                cells.append(
                    Cell(
                        arm,
                        suite,
                        k,
                        bootstrap_mean(list(scores.values()), seed=0),
                        len(per_seed),
                        seed_values,
                    )
                )
    comparisons = _comparisons(design, pooled, suites, by_arm)
    category_rows, category_comparisons = category_table(by_arm, suites, design.reference)
    files = _export(study, design, cells, comparisons)
    return {
        "reference": design.reference,
        "ks": list(protocol.ks),
        "suites": sorted(suites),
        "arms": list(by_arm),
        "table": [
            {
                "arm": c.arm,
                "suite": c.suite,
                "k": c.k,
                **c.estimate.as_dict(),
                "seeds": c.seeds,
                "seed_min": min(c.seed_values),
                "seed_max": max(c.seed_values),
            }
            for c in cells
        ],
        "differences": [
            {
                "arm": c.arm,
                "reference": c.reference,
                "suite": c.suite,
                "k": c.k,
                **c.difference.as_dict(),
                "detectable": c.detectable,
            }
            for c in comparisons
        ],
        "category_names": categories_present(category_rows),
        "categories": category_rows,
        "summary": study_summary(comparisons, categories=category_comparisons),
        "files": files,
    }


def _comparisons(
    design: StudyDesign,
    pooled: dict[tuple[str, str, int], dict[str, float]],
    suites: dict[str, Snapshot],
    by_arm: dict[str, list[Any]],
) -> list[Comparison]:
    """Every row of the table (the base model included) against the reference arm, paired
    over shared problems, with what the design could detect at the two sides' measured pass
    rates on the suite."""
    rates = {
        (arm, suite): measured_rate(runs, snapshot)
        for arm, runs in by_arm.items()
        for suite, snapshot in suites.items()
    }
    out = []
    for (arm, suite, k), scores in pooled.items():
        if arm == design.reference or (design.reference, suite, k) not in pooled:
            continue
        difference = paired_difference(pooled[(design.reference, suite, k)], scores)
        ref_rate, arm_rate = rates.get((design.reference, suite)), rates.get((arm, suite))
        detectable = (
            resolution_for(
                design, arm, problems=difference.problems, k=k, rate=ref_rate, arm_rate=arm_rate
            ).mde
            if ref_rate is not None and arm_rate is not None
            else None
        )
        out.append(Comparison(arm, design.reference, suite, k, difference, detectable))
    return out


def _export(
    study: Study, design: StudyDesign, cells: list[Cell], comparisons: list[Comparison]
) -> dict[str, str]:
    from webapp.core.figures import export_chart

    directory = artifact_root() / "studies" / str(study.pk)
    directory.mkdir(parents=True, exist_ok=True)
    spec = results_chart(study, cells)
    written = export_chart(spec, directory)
    table = directory / "table.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "arm",
            "suite",
            "k",
            "pass_at_k",
            "ci_low",
            "ci_high",
            "problems",
            "seeds",
            "seed_min",
            "seed_max",
            f"diff_vs_{design.reference}",
            "diff_low",
            "diff_high",
        ]
    )
    diffs = {(c.arm, c.suite, c.k): c.difference for c in comparisons}
    for c in cells:
        d = diffs.get((c.arm, c.suite, c.k))
        writer.writerow(
            [
                c.arm,
                c.suite,
                c.k,
                f"{c.estimate.value:.4f}",
                f"{c.estimate.low:.4f}",
                f"{c.estimate.high:.4f}",
                c.estimate.problems,
                c.seeds,
                f"{min(c.seed_values):.4f}",
                f"{max(c.seed_values):.4f}",
                *([f"{d.value:.4f}", f"{d.low:.4f}", f"{d.high:.4f}"] if d else ["", "", ""]),
            ]
        )
    table.write_text(out.getvalue(), encoding="utf-8")
    root = artifact_root()
    paths = {p.suffix.lstrip("."): str(p.relative_to(root)) for p in written}
    paths["table_csv"] = str(table.relative_to(root))
    return paths


def results_chart(study: Study, cells: list[Cell]) -> Any:
    """Bars per arm with intervals, one series per suite, at the smallest k (the paper's
    figures): the same spec the page draws and the PNG/SVG export."""
    from webapp.core.charts import Axis, ChartSpec, Series

    k = min((c.k for c in cells), default=1)
    arms = list(dict.fromkeys(c.arm for c in cells))
    series = []
    for suite in sorted({c.suite for c in cells}):
        at = {c.arm: c.estimate for c in cells if c.suite == suite and c.k == k}
        names = [a for a in arms if a in at]
        series.append(Series.from_estimates(suite, names, [at[a] for a in names], key=suite))
    return ChartSpec(
        id=f"study-{study.pk}",
        kind="bar",
        title=f"{study.name}: pass@{k} by arm (95% CI over problems)",
        x_title="arm",
        y_axes=(Axis(f"pass@{k}", min=0, max=1),),
        series=tuple(series),
        intervals="whiskers",
    )


def units_with_curves(study: Study) -> list[tuple[StudyUnit, TrainingSummary | None]]:
    """The study's units in order (arm, then seed), each with its training run's curve in one
    line (None before its first step): two queries."""
    rows = list(study.units.select_related("training_run", "eval_run").order_by("order", "seed"))
    curves = training_summaries([u.training_run_id for u in rows if u.training_run_id])
    return [(u, curves.get(u.training_run_id) if u.training_run_id else None) for u in rows]


def study_data(study: Study) -> dict[str, Any]:
    """The study's data by identity, as the page and ``study_status --json`` show it: its
    composite pools (the synthesis run recorded on the study, each template pool's stored
    name and size) and every snapshot it froze (kind, name, hash, rows, train and eval rows)."""
    snapshots = []
    for s in study.snapshots.select_related("snapshot").order_by("kind", "key"):
        roles = s.snapshot.counts.get("role") or {}
        snapshots.append(
            {
                "kind": s.kind,
                "key": s.key,
                "sha256": s.snapshot.sha256,
                "rows": s.snapshot.rows,
                "train_rows": int(roles.get("train", 0)),
                "eval_rows": int(roles.get("eval", 0)),
            }
        )
    plan = study_design(study).pools
    pools = None
    if plan is not None:
        pools = {
            "synthesis_run": study.synthesis_run_id,
            "seed": plan.seed,
            "depth": list(plan.depth),
            "disjoint_pairs": plan.disjoint_pairs,
            "pools": [{"pool": p, "stored_as": plan.stored(p), "size": n} for p, n in plan.sizes.items()],
        }
    return {"pools": pools, "snapshots": snapshots}


def study_state(study: Study) -> dict[str, Any]:
    """What ``study_status --json`` and ``run_study --json`` print."""
    units = []
    for u, curve in units_with_curves(study):
        units.append(
            {
                "arm": u.arm,
                "seed": u.seed,
                "state": unit_state(u),
                "training_run": u.training_run_id,
                "eval_run": u.eval_run_id,
                "blocked": u.blocked or None,
                "training": curve.to_json() if curve else None,
            }
        )
    results = study.results or {}
    root = artifact_root()
    files = {k: str(root / v) for k, v in (results.get("files") or {}).items()}
    return {
        "study": study.pk,
        "name": study.name,
        "template": study.template,
        "scale": study.scale,
        "status": study.status,
        "message": study.message,
        "error": study.error or None,
        "advance_attempts": study.advance_attempts,
        "advance_retry_at": study.advance_retry_at.isoformat() if study.advance_retry_at else None,
        **study_data(study),
        "base_eval": study.base_eval_id,
        "arms": units,
        "table": results.get("table", []),
        "differences": results.get("differences", []),
        "summary": results.get("summary"),
        "files": files,
    }


def results_path(study: Study, key: str) -> Path | None:
    """An exported file of the study (svg, png, csv, table_csv), if it exists."""
    rel = (study.results or {}).get("files", {}).get(key)
    if not rel:
        return None
    path = artifact_root() / rel
    return path if path.is_file() else None
