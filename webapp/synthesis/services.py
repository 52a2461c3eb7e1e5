"""Every write of the synthesis app goes through here (STYLE rule 2): start a run (as a
background job or in this process), execute it, store its pools.

Which atoms a run composes: the atoms whose validation passed; when no atom has been
validated yet (a fresh install that loaded the library but never ran ``validate_atoms``),
all of them. Composition validates every composite in the sandbox anyway, so a broken atom
can only make its composites fail, never let a wrong one through; and refusing to run
before validation would make the first run of a new install a two-step chore. The run
records which set it used (``atom_set``) and the library version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from webapp.accounts.models import User
from webapp.atoms.models import Atom, ValidationStatus
from webapp.atoms.services import atom_content
from webapp.core.jobs import JobCancelled, JobContext, job_create, job_enqueue, job_run
from webapp.core.judging import sandbox_client
from webapp.core.models import BackgroundJob
from webapp.synthesis.models import Composite, SynthesisRun
from webapp.synthesis.pipeline import (
    PipelineAtom,
    Progress,
    SynthesisConfig,
    SynthesisResult,
    atoms_from_contents,
    library_version,
    synthesize,
)
from webapp.synthesis.pipeline.plan import plan_to_dict

JOB_KIND = "synthesis.synthesize"


def synthesis_atoms() -> tuple[list[PipelineAtom], str]:
    """The atoms a run composes and which set they are (``valid`` or ``all``; see the
    module docstring)."""
    atoms = Atom.objects.prefetch_related("variants")
    valid = atoms.filter(status=ValidationStatus.VALID)
    chosen, which = (valid, "valid") if valid.exists() else (atoms.all(), "all")
    return atoms_from_contents({a.slug: atom_content(a) for a in chosen}), which


def current_library_version() -> str:
    """The library version a run started now would record (of :func:`synthesis_atoms`)."""
    atoms, _ = synthesis_atoms()
    return library_version(atoms)


def config_from_params(params: dict[str, Any]) -> SynthesisConfig:
    """The pipeline config stored on a run (``SynthesisConfig.as_params``)."""
    data = dict(params)
    if "depth" in data:
        low, high = data["depth"]
        data["depth"] = (int(low), int(high))
    return SynthesisConfig(**data)


@transaction.atomic
def run_create(
    *, by: User | None, config: SynthesisConfig, enqueue: bool = True, isolated: bool = False
) -> SynthesisRun:
    """A run and its queued job; with ``enqueue`` the ``cpu`` task is sent on commit. An
    ``isolated`` run draws its pools as if nothing else were stored (a study's own pools: the
    same config and library give the same composites on any installation)."""
    params = config.as_params()
    job = job_create(kind=JOB_KIND, by=by, params=params)
    run = SynthesisRun.objects.create(
        job=job, params=params, seed=config.seed, created_by=by, isolated=isolated
    )
    if enqueue:
        from webapp.synthesis.tasks import synthesize_task

        job_enqueue(synthesize_task, BackgroundJob, job.pk)
    return run


def _reserved_keys(pools: list[str]) -> list[str]:
    # Chains of stored pools this run does not replace: drawing them again would put one
    # chain in two pools.
    return list(Composite.objects.exclude(pool__in=pools).values_list("chain_key", flat=True))


def run_execute(
    *,
    run: SynthesisRun,
    on_progress: Callable[[Progress], None] | None = None,
) -> SynthesisResult | None:
    """Claim the run's job and synthesise, reporting progress on the job row and stopping at
    a cancel request between sandbox batches; store the pools when the run completes.
    Returns ``None`` when another delivery already claimed the job (or it failed). A
    cancelled run stores nothing: the stored pools stay whole."""
    assert run.job_id is not None
    config = config_from_params(run.params)
    outcome: list[SynthesisResult] = []

    def work(ctx: JobContext) -> dict[str, Any]:
        atoms, which = synthesis_atoms()
        version = library_version(atoms)
        SynthesisRun.objects.filter(pk=run.pk).update(
            library_version=version, atom_set=which, atom_count=len(atoms)
        )

        def report(p: Progress) -> None:
            # Zero counters would crowd the bar's line; generated and valid always show.
            shown = {k: v for k, v in p.counters.items() if v or k in ("generated", "valid")}
            ctx.progress(p.done, p.total, message=p.message, counters=shown)
            if on_progress:
                on_progress(p)

        result = synthesize(
            atoms,
            config,
            sandbox_client().judge_batch,
            on_progress=report,
            should_stop=ctx.should_stop,
            reserved_keys=[] if run.isolated else _reserved_keys(list(config.pools)),
        )
        outcome.append(result)
        summary: dict[str, Any] = {
            "counters": result.counters,
            "stored": {p: len(c) for p, c in result.pools.items()},
            "shortfall": result.shortfall,
            "library_version": result.library_version,
            "elapsed_s": round(result.elapsed_s, 2),
        }
        if result.stopped:
            summary["stored"] = {}
            raise JobCancelled(summary)
        composites_store(run=run, result=result)
        return summary

    job_run(BackgroundJob, run.job_id, work, total=config.total)
    return outcome[0] if outcome else None


@transaction.atomic
def composites_store(*, run: SynthesisRun, result: SynthesisResult) -> int:
    """Replace the stored pools named by ``result`` with its composites; returns how many
    rows were written."""
    Composite.objects.filter(pool__in=list(result.pools)).delete()
    rows = [
        Composite(
            run=run,
            pool=c.pool,
            key=c.key,
            index=int(c.key.rsplit("/", 1)[1]),
            chain=c.atoms,
            chain_key=c.plan.key,
            shape=c.shape,
            depth=c.depth,
            structure=plan_to_dict(c.plan),
            entry_point=c.entry_point,
            params=c.params,
            returns=c.returns,
            prompt_en=c.prompt_en,
            prompt_zh=c.prompt_zh,
            solution=c.solution,
            cases=c.cases,
            topics=c.topics,
            fingerprint=c.fingerprint,
            seed=run.seed,
            library_version=result.library_version,
        )
        for c in result.composites
    ]
    Composite.objects.bulk_create(rows, batch_size=500)
    return len(rows)
