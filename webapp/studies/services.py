"""Studies' writes: create one from a template, advance it as its inputs appear (prepare its
data, launch its arms and evaluations, and store its results once every arm is done), retry
it after errors, resume a failed arm, cancel it. Reads are in :mod:`~webapp.studies.selectors`,
the results in :mod:`~webapp.studies.results`, the files in :mod:`~webapp.studies.exports`.

``study_advance`` is the only place that launches a study's work. It is idempotent: it looks
at what exists (pools, snapshots, training runs, evaluations) and starts what has its inputs,
so calling it twice, or after a worker died and a run was resumed, simply continues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from webapp.accounts.models import User
from webapp.core.access import Action, require, require_owner_or_admin
from webapp.core.models import BackgroundJob, JobStatus
from webapp.evaluation.models import EvalRun
from webapp.evaluation.services import evalrun_cancel, evalrun_create
from webapp.mixtures.models import Mixture, Snapshot
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.recipe_file import RecipeFile
from webapp.mixtures.services import mixture_create, snapshot_freeze
from webapp.mixtures.services.contamination import ContaminationError, contamination_check
from webapp.mixtures.tokenizing import TokenizerError
from webapp.studies.design import (
    Difference,
    PoolPlan,
    StudyDesign,
    arm_protocol,
)
from webapp.studies.models import Study, StudySnapshot, StudyStatus, StudyUnit
from webapp.studies.results import study_results
from webapp.studies.selectors import study_design, study_snapshots
from webapp.studies.states import ENDED_BADLY, IN_PROGRESS, MOVING, QUEUED, STOPPED, UnitState, unit_state
from webapp.studies.validation import TemplateCheck, template_check
from webapp.synthesis.models import SynthesisRun
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.selectors import pools_owner
from webapp.synthesis.services import current_library_version, run_create
from webapp.training.models import TrainingRun
from webapp.training.services import (
    LaunchRefused,
    LaunchRequest,
    RunActionRefused,
    run_cancel,
    run_launch,
    run_resume,
)

log = logging.getLogger(__name__)

#: A study's units by (arm, seed).
Units = dict[tuple[str, int], StudyUnit]


class StudyRefused(Exception):
    """A study that must not launch; ``differences`` holds the undeclared ones, if that is why."""

    def __init__(
        self, message: str, differences: Iterable[Difference] = (), check: TemplateCheck | None = None
    ) -> None:
        super().__init__(message)
        self.differences = list(differences)
        #: The whole check when the template was refused (every difference, each problem's line).
        self.check = check


class PrepError(Exception):
    """The study's data cannot be prepared (the message says what and why)."""


# --- creating --------------------------------------------------------------------------------


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
    check = template_check(text, scale=scale, seeds=seeds)
    design = check.design
    if design is None:
        problem = check.problems[0]
        raise StudyRefused("\n".join(filter(None, (problem.message, problem.excerpt))), check=check)
    if check.undeclared:
        keys = ", ".join(d.key for d in check.undeclared)
        raise StudyRefused(
            f"the arms differ in settings the study does not declare as factors ({keys}); "
            "declare them under factors or make the arms agree",
            check.undeclared,
            check,
        )
    if check.problems:
        raise StudyRefused(
            "the study is invalid: " + "; ".join(p.message for p in check.problems), check=check
        )
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
    # Imported here: tasks.py imports this module (its task runs study_advance).
    from webapp.studies.tasks import study_advance_task

    study_advance_task.delay_on_commit(study_id)


def _studies_waiting_on_run(pk: int) -> set[int]:
    return set(StudyUnit.objects.filter(training_run_id=pk).values_list("study_id", flat=True))


def _studies_waiting_on_eval(pk: int) -> set[int]:
    ids = set(StudyUnit.objects.filter(eval_run_id=pk).values_list("study_id", flat=True))
    return ids | set(Study.objects.filter(base_eval_id=pk).values_list("pk", flat=True))


def _studies_waiting_on_synthesis(pk: int) -> set[int]:
    return set(Study.objects.filter(synthesis_job_id=pk).values_list("pk", flat=True))


#: The kinds of job a study waits on (by model) -> the studies waiting on one of them.
WAITING_ON: dict[type[Any], Callable[[int], set[int]]] = {
    TrainingRun: _studies_waiting_on_run,
    EvalRun: _studies_waiting_on_eval,
    BackgroundJob: _studies_waiting_on_synthesis,
}


def on_job_finished(sender: type[Any], pk: int, status: str, **_: Any) -> None:
    """A job ended: advance (on commit, on the cpu queue) every study that waits on it."""
    waiting_on = WAITING_ON.get(sender)
    if waiting_on is None:
        return
    for study_id in waiting_on(pk):
        advance_on_commit(study_id)


# --- preparing its data: composite pools, snapshots, the contamination check ----------------------


def _reusable_pools(plan: PoolPlan) -> SynthesisRun | None:
    """The synthesis run whose composites the plan's stored pools hold now, when it asked for
    exactly the plan (sizes, seed, depth, disjointness), succeeded, filled every pool to its
    size and used the atom library as it is now; otherwise None."""
    owner, sizes = pools_owner(list(plan.stored_sizes))
    if owner is None or owner.job is None or owner.job.status != JobStatus.SUCCEEDED:
        return None
    if not plan.matches(owner.params) or sizes != plan.stored_sizes:
        return None
    return owner if owner.library_version == current_library_version() else None


def _synthesise(study: Study, plan: PoolPlan) -> str:
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
    trains, evals = study_snapshots(study, "train"), study_snapshots(study, "eval")
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


# --- advancing ---------------------------------------------------------------------------------


def _eval_snapshots(study: Study) -> list[Snapshot]:
    return [
        s.snapshot for s in study.snapshots.filter(kind="eval").select_related("snapshot").order_by("key")
    ]


def _launch_training(study: Study, design: StudyDesign, unit: StudyUnit, units: Units) -> None:
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


def _launch_eval(study: Study, unit: StudyUnit | None, model: str, label: str) -> EvalRun:
    design = study_design(study)
    suites = study_snapshots(study, "eval")
    return evalrun_create(
        by=study.created_by,
        model=model,
        snapshots=_eval_snapshots(study),
        protocol=arm_protocol(design.arms[0]),
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
    """One attempt: prepare the study's data while it is preparing, then launch whatever has
    its inputs and record where the study stands."""
    study = Study.objects.select_for_update().get(pk=study_id)
    if study.finished:
        return study.status
    design = study_design(study)
    if study.status == StudyStatus.PREPARING and not _prepared(study, design):
        return study.status
    if study.base_eval is None:
        study.base_eval = _launch_eval(study, None, design.arms[0].model, "base model")
    units = {
        (u.arm, u.seed): u
        for u in study.units.select_related("training_run", "eval_run").order_by("order", "seed")
    }
    _launch_ready(study, design, units)
    _update_standing(study, design, units)
    study.save(update_fields=["status", "base_eval", "results", "finished_at", "message"])
    return study.status


def _prepared(study: Study, design: StudyDesign) -> bool:
    """True once the study's data are ready (the study is then running, unsaved). Otherwise
    the study is saved failed (its data cannot be had) or with what it waits for."""
    try:
        waiting = _prepare(study, design)
    except PrepError as exc:
        study.status, study.error, study.finished_at = StudyStatus.FAILED, str(exc), timezone.now()
        study.message = "preparation failed"
        study.save(update_fields=["status", "error", "finished_at", "message"])
        return False
    if waiting:
        study.message = waiting[:500]
        study.save(update_fields=["message"])
        return False
    study.status = StudyStatus.RUNNING
    return True


def _launch_ready(study: Study, design: StudyDesign, units: Units) -> None:
    """Launch each unit's training once its input exists, and its evaluation once it trained."""
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


def _update_standing(study: Study, design: StudyDesign, units: Units) -> None:
    """Set (unsaved) the study's status and message from its units' states: succeeded with its
    results once every unit and the base model are done, stalled once a unit failed and
    nothing else moves, running otherwise."""
    states = {key: unit_state(u) for key, u in units.items()}
    base = study.base_eval
    base_done = base is not None and base.status == JobStatus.SUCCEEDED
    moving = [k for k, s in states.items() if s in MOVING]
    waiting_on_failed = [
        k for k, s in states.items() if s == UnitState.WAITING and _dependency_failed(design, units, units[k])
    ]
    bad = [k for k, s in states.items() if s in STOPPED]
    if all(s == UnitState.DONE for s in states.values()) and base_done:
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
        done = sum(s == UnitState.DONE for s in states.values())
        queued = sum(s in QUEUED for s in states.values())
        wait = f"; {queued} job(s) queued for a free GPU worker" if queued else ""
        study.message = f"{done} of {len(states)} arm runs done{wait}"


def _dependency_failed(design: StudyDesign, units: Units, unit: StudyUnit) -> bool:
    dep = design.arm(unit.arm).depends_on
    return dep is not None and unit_state(units[(dep, unit.seed)]) in STOPPED


def unit_resume(*, unit: StudyUnit, by: User) -> StudyUnit:
    """Resume a failed unit alone: a failed or cancelled training run continues from its last
    checkpoint (or starts again when it saved none); a failed evaluation is run again; a
    refused launch is tried again. The other arms are not touched. Only the study's owner
    or an admin: the arm spends GPU time in the owner's name."""
    require_owner_or_admin(by, obj=unit.study, doing="resume this study's arms", action=Action.RUN_LAUNCH)
    state = unit_state(unit)
    if state not in STOPPED:
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
