"""Reads of the evaluation app, with their access rules (STYLE rule 2). Every page reads
precomputed rows (SuiteScore, ProblemResult) with a fixed number of queries, whatever the
number of runs or generations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from webapp.core.access import can_act_on, require_reader
from webapp.core.categories import CATEGORY_CHOICES
from webapp.core.models import JobStatus
from webapp.core.queue import GpuJobSource, generation_seconds
from webapp.evaluation.comparing import Comparison, compare
from webapp.evaluation.contamination import mark_title
from webapp.evaluation.models import (
    EvalRun,
    Generation,
    Phase,
    ProblemResult,
    ReviewLabel,
    SuiteProblem,
    SuiteScore,
)
from webapp.mixtures.models import Snapshot
from webapp.training.models import TrainingRun

# --- runs ---------------------------------------------------------------------------------


def evalrun_get(*, run_id: int, fetched_by: Any) -> EvalRun:
    """Any logged-in user reads any evaluation."""
    require_reader(fetched_by)
    return get_object_or_404(
        EvalRun.objects.select_related("init_checkpoint", "created_by").prefetch_related("snapshots"),
        pk=run_id,
    )


def evalrun_can_change(*, run: EvalRun, user: Any) -> bool:
    """Whether ``user`` may cancel or re-score ``run`` (for showing the buttons;
    the services check again through :func:`~webapp.core.access.require_owner_or_admin`)."""
    return can_act_on(user, run.created_by_id)


def evalrun_list(*, fetched_by: Any, limit: int | None = None) -> QuerySet[EvalRun]:
    """Evaluations, newest first."""
    require_reader(fetched_by)
    runs = EvalRun.objects.select_related("init_checkpoint", "created_by").prefetch_related("snapshots")
    return runs[:limit] if limit else runs.all()


def run_choices(*, fetched_by: Any, limit: int = 500) -> QuerySet[EvalRun]:
    """Runs for a select: only what an option shows (no snapshots, no JSON columns)."""
    require_reader(fetched_by)
    runs = EvalRun.objects.select_related("init_checkpoint").only("pk", "model", "init_checkpoint__step")
    return runs.order_by("-created_at")[:limit]


def scored_run_ids() -> QuerySet[SuiteScore, Any]:
    """Ids of the runs that have scores, as a subquery (a semi-join: no DISTINCT over the
    runs' JSON columns)."""
    return SuiteScore.objects.values("run_id")


def evalrun_list_scored(*, fetched_by: Any) -> QuerySet[EvalRun]:
    """Evaluations with scores (what tables and comparisons can show), newest first."""
    return evalrun_list(fetched_by=fetched_by).filter(pk__in=scored_run_ids())


def eval_snapshots(*, fetched_by: Any) -> QuerySet[Snapshot]:
    """Snapshots one may evaluate on (every frozen snapshot), newest first."""
    require_reader(fetched_by)
    return Snapshot.objects.select_related("version__mixture").order_by("-created_at")


def judged_suites(*, fetched_by: Any) -> QuerySet[Snapshot]:
    """Snapshots some run has generations on (the generation browser's suite filter)."""
    return eval_snapshots(fetched_by=fetched_by).filter(pk__in=SuiteProblem.objects.values("snapshot_id"))


def scored_suites(*, fetched_by: Any) -> QuerySet[Snapshot]:
    """Snapshots some run has scores on (the table's suite filter)."""
    return eval_snapshots(fetched_by=fetched_by).filter(pk__in=SuiteScore.objects.values("snapshot_id"))


def run_scores(*, run: EvalRun) -> list[SuiteScore]:
    """The run's scores, suite by suite, k ascending."""
    return list(SuiteScore.objects.filter(run=run).select_related("snapshot").order_by("snapshot_id", "k"))


# --- evaluation during training (a training run's page) -------------------------------------


@dataclass(frozen=True)
class RunEvaluation:
    """An evaluation a run's cadence scheduled: its checkpoint's step and pass@1 per suite."""

    step: int
    eval_run: EvalRun
    pass_at_1: dict[int, SuiteScore]  # snapshot pk -> SuiteScore


def run_evaluations(*, run: TrainingRun) -> list[RunEvaluation]:
    """The evaluations during training of ``run`` (its ``eval_every``), by step, each with
    its stored pass@1 per suite (none yet while it generates or judges). Two queries."""
    evals = list(
        EvalRun.objects.filter(scheduled_by=run, init_checkpoint__isnull=False)
        .select_related("init_checkpoint")
        .order_by("init_checkpoint__step", "pk")
    )
    scores: dict[int, dict[int, SuiteScore]] = defaultdict(dict)
    for score in SuiteScore.objects.filter(run__in=evals, k=1).select_related("snapshot"):
        scores[score.run_id][score.snapshot_id] = score
    return [
        RunEvaluation(step=e.init_checkpoint.step, eval_run=e, pass_at_1=scores.get(e.pk, {}))
        for e in evals
        if e.init_checkpoint is not None
    ]


# --- the pass@k table -----------------------------------------------------------------------


@dataclass
class TableColumn:
    snapshot: Snapshot
    k: int

    @property
    def key(self) -> str:
        return f"s{self.snapshot.pk}k{self.k}"


@dataclass(frozen=True)
class Cell:
    """One suite × k of one run: what the table shows (read as plain values, not rows), and
    the run's contamination finding on the suite (``mark``: ``contaminated``, ``in_domain``
    or "", ``mark_title``: what overlaps)."""

    estimate: float
    ci_low: float
    ci_high: float
    n_problems: int
    tests_version: str
    mark: str = ""
    mark_title: str = ""


@dataclass
class TableRow:
    run: EvalRun
    cells: list[Cell | None]
    protocol: str


@dataclass
class PassTable:
    columns: list[TableColumn]
    rows: list[TableRow]
    protocols: dict[str, str]  # hash -> description, of the rows shown
    sort: str
    total_runs: int

    @property
    def protocols_differ(self) -> bool:
        return len(self.protocols) > 1


@dataclass(frozen=True)
class TableFilters:
    q: str = ""  # model or name contains
    snapshot: int | None = None
    protocol: str = ""
    sort: str = "-created"

    @classmethod
    def from_query(cls, query: QueryDict) -> TableFilters:
        snap = query.get("snapshot", "")
        return cls(
            q=query.get("q", "").strip(),
            snapshot=int(snap) if snap.isdigit() else None,
            protocol=query.get("protocol", "").strip(),
            sort=query.get("sort", "-created").strip() or "-created",
        )


def passk_table(*, fetched_by: Any, filters: TableFilters, limit: int = 500) -> PassTable:
    """Rows: every run with scores (base model included) matching ``filters``; columns: suites
    × k. Three queries whatever the size: runs, their scores, and nothing per row."""
    require_reader(fetched_by)
    runs = EvalRun.objects.filter(pk__in=scored_run_ids()).select_related("init_checkpoint")
    if filters.q:
        from django.db.models import Q

        runs = runs.filter(Q(model__icontains=filters.q) | Q(name__icontains=filters.q))
    if filters.protocol:
        runs = runs.filter(protocol_hash=filters.protocol)
    if filters.snapshot:
        runs = runs.filter(scores__snapshot_id=filters.snapshot)
    run_list = list(runs.order_by("-created_at")[:limit])
    scores = SuiteScore.objects.filter(run__in=[r.pk for r in run_list])
    if filters.snapshot:
        scores = scores.filter(snapshot_id=filters.snapshot)
    by_run: dict[int, dict[tuple[int, int], Cell]] = defaultdict(dict)
    ks: dict[int, set[int]] = defaultdict(set)
    # Plain values: thousands of cells are cheaper as tuples than as model instances.
    fields = ("run_id", "snapshot_id", "k", "estimate", "ci_low", "ci_high", "n_problems", "tests_version")
    for run_id, snapshot_id, k, *values in scores.values_list(*fields).iterator(chunk_size=5000):
        by_run[run_id][(snapshot_id, k)] = Cell(*values)
        ks[snapshot_id].add(k)
    snaps = {s.pk: s for s in Snapshot.objects.filter(pk__in=list(ks))}
    columns = [TableColumn(snaps[sid], k) for sid in sorted(snaps) for k in sorted(ks[sid])]
    protocols: dict[str, str] = {}
    rows = []
    for run in run_list:
        proto = run.protocol_obj
        protocols.setdefault(run.protocol_hash, proto.describe())
        cells = [_marked(run, c.snapshot.pk, by_run[run.pk].get((c.snapshot.pk, c.k))) for c in columns]
        rows.append(TableRow(run, cells, proto.describe()))
    _sort_rows(rows, columns, filters.sort)
    return PassTable(columns, rows, protocols, filters.sort, len(run_list))


def _marked(run: EvalRun, snapshot_id: int, cell: Cell | None) -> Cell | None:
    """``cell`` with the run's contamination finding on the suite (stored at creation)."""
    finding = run.finding(snapshot_id)
    if cell is None or finding is None:
        return cell
    return replace(cell, mark=str(finding["status"]), mark_title=mark_title(finding))


def _sort_rows(rows: list[TableRow], columns: list[TableColumn], sort: str) -> None:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "model":
        rows.sort(key=lambda r: r.run.model_label.lower(), reverse=descending)
        return
    index = next((i for i, c in enumerate(columns) if c.key == key), None)
    if index is None:  # "created" and anything unknown: newest first, as fetched
        if not descending:
            rows.reverse()
        return
    # Runs without the column go last either way.
    present = [r for r in rows if r.cells[index] is not None]
    absent = [r for r in rows if r.cells[index] is None]
    present.sort(key=lambda r: r.cells[index].estimate, reverse=descending)  # type: ignore[union-attr]
    rows[:] = present + absent


# --- comparing two runs on one suite ------------------------------------------------------


def comparison(*, fetched_by: Any, a: EvalRun, b: EvalRun, snapshot: Snapshot, k: int) -> Comparison:
    """Two runs on one suite, problem by problem: flips, breakdowns, verdict categories and
    the paired difference of pass@k (:func:`webapp.evaluation.comparing.compare` analyses
    the rows read here). Four queries."""
    require_reader(fetched_by)
    results = ProblemResult.objects.filter(run__in=[a.pk, b.pk], snapshot=snapshot).only(
        "run_id", "task_id", "n", "c", "categories"
    )
    sides: dict[int, dict[str, ProblemResult]] = {a.pk: {}, b.pk: {}}
    for r in results:
        sides[r.run_id][r.task_id] = r
    problems = {p.task_id: p for p in SuiteProblem.objects.filter(snapshot=snapshot)}
    return compare(a=a, b=b, snapshot=snapshot, k=k, ra=sides[a.pk], rb=sides[b.pk], problems=problems)


# --- the generation browser --------------------------------------------------------------------


#: The verdict filter's value for "every verdict but passed".
ANY_FAILURE = "any_failure"


@dataclass(frozen=True)
class GenerationFilters:
    run: int | None = None
    snapshot: int | None = None
    task: str = ""
    verdict: str = ""
    category: str = ""
    label: str = ""  # a ReviewLabel value, "any" (labelled) or "none"

    @classmethod
    def from_query(cls, query: QueryDict) -> GenerationFilters:
        def num(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if value.isdigit() else None

        return cls(
            run=num("run"),
            snapshot=num("snapshot"),
            task=query.get("task", "").strip(),
            verdict=query.get("verdict", "").strip(),
            category=query.get("category", "").strip(),
            label=query.get("label", "").strip(),
        )

    @property
    def active(self) -> bool:
        return any([self.run, self.snapshot, self.task, self.verdict, self.category, self.label])


#: The browser's list shows these columns only: the texts stay in the database until the
#: detail page asks for them.
LIST_FIELDS = (
    "id",
    "run_id",
    "snapshot_id",
    "task_id",
    "sample_index",
    "verdict",
    "passed",
    "category",
    "error_type",
    "tests_version",
    "review_label",
    "completion_tokens",
    "finish_reason",
)


def generation_list(*, fetched_by: Any, filters: GenerationFilters) -> QuerySet[Generation]:
    """Generations matching ``filters``, newest run first, then problem and sample."""
    require_reader(fetched_by)
    rows = Generation.objects.only(*LIST_FIELDS)
    if filters.run:
        rows = rows.filter(run_id=filters.run)
    if filters.snapshot:
        rows = rows.filter(snapshot_id=filters.snapshot)
    if filters.task:
        rows = rows.filter(task_id=filters.task)
    if filters.verdict == ANY_FAILURE:
        rows = rows.filter(passed=False)
    elif filters.verdict:
        rows = rows.filter(verdict=filters.verdict)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.label == "any":
        rows = rows.exclude(review_label="")
    elif filters.label == "none":
        rows = rows.filter(review_label="")
    elif filters.label:
        rows = rows.filter(review_label=filters.label)
    return rows.order_by("-run_id", "task_id", "sample_index", "id")


def generation_facets() -> dict[str, list[tuple[str, str]]]:
    """The choices of the browser's selects (from the models, never written in a template)."""
    verdicts = ["passed", "failed", "error", "timeout", "syntax_error", "crashed"]
    return {
        "verdict": [(ANY_FAILURE, "any failure"), *((v, v.replace("_", " ")) for v in verdicts)],
        "category": list(CATEGORY_CHOICES),
        "label": [("any", "any label"), ("none", "no label"), *ReviewLabel.choices],
    }


def generation_get(*, generation_id: int, fetched_by: Any) -> Generation:
    """One generation with its run and suite."""
    require_reader(fetched_by)
    return get_object_or_404(
        Generation.objects.select_related("run", "snapshot", "reviewed_by"), pk=generation_id
    )


def generation_siblings(*, generation: Generation) -> list[Generation]:
    """The other samples of the same problem in the same run, with their outcomes."""
    from webapp.evaluation.models import CaseOutcome

    return list(
        Generation.objects.filter(
            run_id=generation.run_id, snapshot_id=generation.snapshot_id, task_id=generation.task_id
        )
        .exclude(pk=generation.pk)
        .prefetch_related(Prefetch("outcomes", queryset=CaseOutcome.objects.order_by("index")))
        .order_by("sample_index")
    )


def suite_problem(*, generation: Generation) -> SuiteProblem | None:
    """The problem's metadata and where its tests live."""
    return SuiteProblem.objects.filter(snapshot_id=generation.snapshot_id, task_id=generation.task_id).first()


def export_rows(*, run: EvalRun) -> Any:
    """Every generation of ``run`` with its outcomes, in order, for ``export_generations``."""
    from webapp.evaluation.models import CaseOutcome

    return (
        Generation.objects.filter(run=run)
        .select_related("snapshot")
        .prefetch_related(Prefetch("outcomes", queryset=CaseOutcome.objects.order_by("index")))
        .order_by("snapshot_id", "task_id", "sample_index")
    )


def failed_neighbours(*, generation: Generation) -> tuple[int | None, int | None]:
    """The previous and next failed generation of the same run (the review walk, j / k)."""
    failed = Generation.objects.filter(run_id=generation.run_id, passed=False)
    prev_id = failed.filter(pk__lt=generation.pk).order_by("-pk").values_list("pk", flat=True).first()
    next_id = failed.filter(pk__gt=generation.pk).order_by("pk").values_list("pk", flat=True).first()
    return prev_id, next_id


def problem_link(problem: SuiteProblem | None) -> tuple[str, str] | None:
    """``(label, url)`` of the page where the problem's tests are edited: the atom, the
    composite, or the benchmark; None when the problem exists only in its snapshot."""
    from django.urls import reverse

    if problem is None or not problem.ref:
        return None
    kind, _, key = problem.ref.partition(":")
    if kind == "atom":
        return f"atom {key}", reverse("atom", args=[key])
    if kind == "composite":
        from webapp.synthesis.models import Composite

        pk = Composite.objects.filter(key=key).values_list("pk", flat=True).first()
        return (f"composite {key}", reverse("composite", args=[pk])) if pk else None
    if kind == "benchmark":
        name = key.split("/", 1)[0]
        return f"benchmark {name}", reverse("benchmark", args=[name])
    return None


#: Evaluations' generate jobs on the GPU queue page (``webapp.core.queue``); judging is not a
#: GPU job (the cpu queue), so only the generating phase counts.
EVALS_ON_GPU = GpuJobSource(
    prefix="eval-",
    noun="evaluation",
    waiting=lambda: EvalRun.objects.filter(status=JobStatus.QUEUED, phase=Phase.GENERATING),
    running=lambda: EvalRun.objects.filter(status=JobStatus.RUNNING, phase=Phase.GENERATING),
    finished=lambda: EvalRun.objects.filter(status=JobStatus.SUCCEEDED).order_by("-finished_at"),
    kind_of=lambda run: "generate",
    url_of=lambda run: reverse("eval-run", args=[run.pk]),
    gpu_seconds=generation_seconds,
)
