"""Evaluation pages: the runs, the launch form, the pass@k table, the comparison of two
runs, the generation browser and a generation with its review. Views stay thin."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.core.access import Action, AuthedHttpRequest, allowed, require
from webapp.core.highlight import highlight_python
from webapp.core.htmx import announce_finished, render_page
from webapp.core.joblog import job_log_tail
from webapp.core.labels import LabelFilters, LabelsPlace, label_filter_context, labels_view
from webapp.core.paging import page_of, query_without
from webapp.evaluation import selectors
from webapp.evaluation.charts import passk_charts
from webapp.evaluation.forms import LaunchForm, ReviewForm
from webapp.evaluation.models import EvalRun, ReviewLabel
from webapp.evaluation.services import evalrun_cancel, evalrun_create, evalrun_rescore, generation_review

PER_PAGE = 50
#: Where an evaluation's tags, group and note live (``webapp.core.labels``).
EVAL_LABELS = LabelsPlace(
    "eval-labels", "evaluations", "eval-run", Action.EVAL_RUN, "change this evaluation's tags, group and note"
)


def _job_context(request: AuthedHttpRequest, run: EvalRun) -> dict[str, object]:
    can_change = selectors.evalrun_can_change(run=run, user=request.user)
    return {
        "job": run,
        "can_cancel": can_change,
        "can_change": can_change,
        "poll_url": reverse("eval-progress", args=[run.pk]),
        "cancel_url": reverse("eval-cancel", args=[run.pk]),
    }


@require_GET
def run_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every evaluation, newest first, with its state; ``?tag=`` and ``?group=`` filter."""
    labels = LabelFilters.from_query(request.GET)
    page = page_of(request, labels.apply(selectors.evalrun_list(fetched_by=request.user)), PER_PAGE)
    context = {
        "page": page,
        "query": query_without(request).urlencode(),
        **label_filter_context(request, EVAL_LABELS),
    }
    return render_page(request, "evaluation/list.html", context)


@require_http_methods(["GET", "POST"])
def run_labels(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """The evaluation's tags, group and note, edited in place (its owner or an admin)."""
    return labels_view(request, selectors.evalrun_get(run_id=run_id, fetched_by=request.user), EVAL_LABELS)


@require_http_methods(["GET", "POST"])
@allowed(Action.EVAL_RUN)
def launch(request: AuthedHttpRequest) -> HttpResponse:
    """The launch form (researchers); a valid post leads to the new run's page."""
    initial = {"model": request.GET["model"]} if request.GET.get("model") else None
    form = LaunchForm(
        request.POST or None, initial=initial, snapshots=selectors.eval_snapshots(fetched_by=request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run = evalrun_create(
            by=request.user,
            model=data["model"],
            snapshots=list(data["snapshots"]),
            protocol=data["protocol"],
            name=data["name"],
            contamination_reason=data.get("contamination_reason") or "",
        )
        return redirect("eval-run", run_id=run.pk)
    return render_page(request, "evaluation/launch.html", {"form": form})


@require_GET
def run_detail(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """One evaluation: model, suites, protocol, live progress, and its scores once judged
    (the status partial refreshes itself when the job announces its end)."""
    run = selectors.evalrun_get(run_id=run_id, fetched_by=request.user)
    others = selectors.evalrun_list_scored(fetched_by=request.user).exclude(pk=run.pk)
    context = {
        **_job_context(request, run),
        "run": run,
        "protocol": run.protocol_obj,
        "scores": selectors.run_scores(run=run),
        "compare_with": others[:20],
        "place": EVAL_LABELS,
        "log_tail": job_log_tail(run.job_id),
    }
    return render_page(request, "evaluation/run.html", context, partial="status")


@require_GET
def run_progress(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """The run's self-polling bar (htmx), or the run's page."""
    run = selectors.evalrun_get(run_id=run_id, fetched_by=request.user)
    if not getattr(request, "htmx", False):
        return redirect("eval-run", run_id=run.pk)
    response = render_page(request, "core/job.html", _job_context(request, run), partial="progress")
    return announce_finished(request, response, run)


@require_POST
def run_cancel(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """Stop the evaluation; answers with the refreshed bar (or the page)."""
    run = selectors.evalrun_get(run_id=run_id, fetched_by=request.user)
    evalrun_cancel(run=run, by=request.user)
    return (
        run_progress(request, run_id)
        if getattr(request, "htmx", False)
        else redirect("eval-run", run_id=run.pk)
    )


@require_POST
def run_rescore(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """Re-judge the stored generations against the current tests."""
    run = selectors.evalrun_get(run_id=run_id, fetched_by=request.user)
    try:
        evalrun_rescore(run=run, by=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("eval-run", run_id=run.pk)


@require_GET
def table(request: AuthedHttpRequest) -> HttpResponse:
    """The pass@k table: runs × (suites × k) with intervals; sortable, filterable, CSV."""
    filters = selectors.TableFilters.from_query(request.GET)
    data = selectors.passk_table(fetched_by=request.user, filters=filters)
    if request.GET.get("format") == "csv":
        return _table_csv(data)
    query = request.GET.copy()
    query.pop("sort", None)
    context = {
        "t": data,
        "charts": passk_charts(data),
        "filters": filters,
        "all_snapshots": selectors.scored_suites(fetched_by=request.user),
        "query": query.urlencode(),
    }
    return render_page(request, "evaluation/table.html", context, partial="results")


def _table_csv(data: selectors.PassTable) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["eval_id", "model", "name", "protocol_hash", "protocol"]
    for c in data.columns:
        head += [f"{c.snapshot.short} pass@{c.k}", "low", "high", "problems", "tests", "contamination"]
    writer.writerow(head)
    for row in data.rows:
        line: list[object] = [
            row.run.pk,
            row.run.model_label,
            row.run.name,
            row.run.protocol_hash,
            row.protocol,
        ]
        for cell in row.cells:
            line += (
                [
                    f"{cell.estimate:.4f}",
                    f"{cell.ci_low:.4f}",
                    f"{cell.ci_high:.4f}",
                    cell.n_problems,
                    cell.tests_version,
                    cell.mark_title,
                ]
                if cell
                else ["", "", "", "", "", ""]
            )
        writer.writerow(line)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="passk.csv"'
    return response


@require_GET
def compare(request: AuthedHttpRequest) -> HttpResponse:
    """Two runs on one suite (``?a=&b=&snapshot=&k=``): flips, breakdowns, categories, the
    paired difference. Without a complete choice, the form to make one."""
    runs = selectors.evalrun_list_scored(fetched_by=request.user)
    get = request.GET
    context: dict[str, object] = {"runs": runs[:200], "get": get}
    ids = [get.get(x, "") for x in ("a", "b", "snapshot")]
    if all(i.isdigit() for i in ids):
        a = selectors.evalrun_get(run_id=int(ids[0]), fetched_by=request.user)
        b = selectors.evalrun_get(run_id=int(ids[1]), fetched_by=request.user)
        snapshot = selectors.eval_snapshots(fetched_by=request.user).filter(pk=int(ids[2])).first()
        k = int(get["k"]) if get.get("k", "").isdigit() and int(get["k"]) > 0 else 1
        if snapshot is not None:
            context["c"] = selectors.comparison(fetched_by=request.user, a=a, b=b, snapshot=snapshot, k=k)
        context["suites"] = sorted(set(a.snapshots.all()) & set(b.snapshots.all()), key=lambda s: s.pk)
    return render_page(request, "evaluation/compare.html", context)


@require_GET
def generation_list(request: AuthedHttpRequest) -> HttpResponse:
    """The generation browser: filters (run, suite, problem, verdict, category, label), pages."""
    filters = selectors.GenerationFilters.from_query(request.GET)
    rows = selectors.generation_list(fetched_by=request.user, filters=filters)
    context = {
        "page": page_of(request, rows, PER_PAGE),
        "filters": filters,
        "facets": selectors.generation_facets(),
        "runs": selectors.run_choices(fetched_by=request.user),
        "suites": selectors.judged_suites(fetched_by=request.user),
        "query": query_without(request).urlencode(),
        "labels": dict(ReviewLabel.choices),
    }
    return render_page(request, "evaluation/generations.html", context, partial="results")


@require_GET
def generation_detail(request: AuthedHttpRequest, generation_id: int) -> HttpResponse:
    """One generation: prompt, raw completion, highlighted code, per-case table, output,
    the other samples of the problem side by side, and the review form."""
    g = selectors.generation_get(generation_id=generation_id, fetched_by=request.user)
    problem = selectors.suite_problem(generation=g)
    context = {
        "g": g,
        "code": highlight_python(g.code or "# no code was extracted from the answer"),
        "outcomes": list(g.outcomes.order_by("index")),
        "siblings": selectors.generation_siblings(generation=g),
        "problem": problem,
        "fix_link": selectors.problem_link(problem),
        "form": ReviewForm(initial={"label": g.review_label, "note": g.review_note}),
        "labels": ReviewLabel.choices,
        "neighbours": selectors.failed_neighbours(generation=g),
    }
    return render_page(request, "evaluation/generation.html", context)


@require_POST
def generation_review_view(request: AuthedHttpRequest, generation_id: int) -> HttpResponse:
    """Store a review label and note; back to the generation (or the list it came from)."""
    user = require(request.user, Action.EVAL_REVIEW)
    g = selectors.generation_get(generation_id=generation_id, fetched_by=user)
    form = ReviewForm(request.POST)
    if form.is_valid():
        generation_review(
            generation=g, by=user, label=form.cleaned_data["label"], note=form.cleaned_data["note"]
        )
        label = dict(ReviewLabel.choices).get(g.review_label, "no label")
        messages.success(request, f"Labelled {g.task_id} #{g.sample_index}: {label}.")
    else:
        messages.error(request, "Choose one of the labels.")
    return redirect(reverse("eval-generation", args=[g.pk]))
