"""Runs pages: the list, the launch form (presets, Clone), a run's page with live curves, its
rollouts, Cancel / Resume, and Compare configs. Views stay thin (STYLE rule 1)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.core.access import Action, AuthedHttpRequest, allowed
from webapp.core.charts import poll_response
from webapp.core.htmx import render_page
from webapp.core.labels import LabelsPlace, label_filter_context, labels_view
from webapp.core.paging import page_of, query_without
from webapp.training import selectors
from webapp.training.archive import checkpoint_archive, tar_gz_stream
from webapp.training.charts import run_charts
from webapp.training.forms import LaunchForm, initial_from_preset, initial_from_run, preset_warnings
from webapp.training.models import Method, TrainingRun
from webapp.training.overlay import MAX_RUNS, VERDICTS, overlay_charts, overlay_selection
from webapp.training.panels import panel_context
from webapp.training.services import (
    PRESETS,
    RunActionRefused,
    can_change,
    run_cancel,
    run_launch,
    run_resume,
)
from webapp.training.telemetry import log_tail, run_eta, step_time

PER_PAGE = 30
#: Where a run's tags, group and note live (``webapp.core.labels``).
RUN_LABELS = LabelsPlace(
    "run-labels", "runs", "run", Action.RUN_LAUNCH, "change this run's tags, group and note"
)


@require_GET
def run_list(request: AuthedHttpRequest) -> HttpResponse:
    """Runs with filters (status, method, owner, snapshot, text) and pages."""
    filters = selectors.RunFilters.from_query(request.GET)
    context = {
        "page": page_of(request, selectors.run_list(fetched_by=request.user, filters=filters), PER_PAGE),
        "filters": filters,
        "query": query_without(request).urlencode(),
        "statuses": TrainingRun._meta.get_field("status").choices,
        "methods": Method.choices,
        **label_filter_context(request, RUN_LABELS),
    }
    return render_page(request, "training/list.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def run_labels(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """The run's tags, group and note, edited in place (its owner or an admin)."""
    return labels_view(request, selectors.run_get(run_id=run_id, fetched_by=request.user), RUN_LABELS)


@require_GET
def run_overlay(request: AuthedHttpRequest) -> HttpResponse:
    """Several runs' curves on one chart per metric (``?run=ID&run=ID``, ``?tag=``,
    ``?study=``); ``?csv=CHART`` answers that chart's every point as CSV."""
    selection = overlay_selection(fetched_by=request.user, query=request.GET)
    verdict = request.GET.get("verdict", "passed")
    verdict = verdict if verdict in VERDICTS else "passed"
    wanted = request.GET.get("csv", "")
    if wanted:
        charts = overlay_charts(selection.runs, verdict=verdict, full=True).charts
        spec = next((c for c in charts if c.id == wanted), None)
        if spec is None:
            return HttpResponse(f"no chart {wanted!r} for these runs", status=404, content_type="text/plain")
        response = HttpResponse(spec.to_csv(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="overlay-{spec.id}.csv"'
        return response
    query = query_without(request, "csv")
    context = {
        "selection": selection,
        "overlay": overlay_charts(selection.runs, verdict=verdict, csv_base=f"?{query.urlencode()}"),
        "verdict": verdict,
        "verdicts": VERDICTS,
        "query_without_verdict": query_without(request, "csv", "verdict").urlencode(),
        "max_runs": MAX_RUNS,
        "tags": selectors.run_tags(fetched_by=request.user),
    }
    return render_page(request, "training/overlay.html", context)


@require_http_methods(["GET", "POST"])
@allowed(Action.RUN_LAUNCH)
def run_launch_view(request: AuthedHttpRequest) -> HttpResponse:
    """The launch form; ``?preset=NAME`` or ``?clone=ID`` pre-fill it. A valid post creates
    the run, sends it to the GPU queue and leads to its page."""
    if request.method == "POST":
        form = LaunchForm(request.POST)
        if form.is_valid() and form.request is not None:
            run = run_launch(by=request.user, request=form.request)
            return redirect("run", run_id=run.pk)
    else:
        initial = {}
        clone, preset = request.GET.get("clone", ""), request.GET.get("preset", "")
        if clone.isdigit():
            initial = initial_from_run(selectors.run_get(run_id=int(clone), fetched_by=request.user))
        elif preset:
            initial = initial_from_preset(preset)
        for key in ("model", "train_snapshot", "eval_snapshot", "method"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = LaunchForm(initial=initial)
        form.warnings = preset_warnings(preset, initial) if preset and not clone.isdigit() else {}
    return render_page(request, "training/launch.html", {"form": form, "presets": PRESETS.values()})


@require_GET
def run_detail(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """A run: its status (polled while it is on), live curves, log tail, checkpoints, config,
    reproducibility, rollout steps, and the actions the user may take."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    context = {
        "run": run,
        "charts": run_charts(run),
        "log": selectors.run_log(run=run),
        "log_tail": log_tail(run),
        "eta": run_eta(run),
        "step_time": step_time(run) if run.cancel_requested and not run.finished else None,
        "checkpoints": list(run.checkpoints.order_by("step")),
        "rollout_steps": selectors.rollout_steps(run=run),
        "children": selectors.runs_started_from(run=run),
        "eval_protocol": protocol.describe() if (protocol := run.eval_protocol_obj) else "",
        "can_change": can_change(run, request.user),
        "config_json": json.dumps(run.config, indent=2, sort_keys=True),
        "repro_json": json.dumps(run.reproducibility, indent=2, sort_keys=True),
        "others": selectors.run_list(fetched_by=request.user).exclude(pk=run.pk)[:50],
        "place": RUN_LABELS,
        **panel_context(run),  # what apps above training add (webapp.training.panels)
    }
    response = render_page(request, "training/run.html", context, partial="status")
    if run.finished and getattr(request, "htmx", False):
        response["HX-Trigger"] = json.dumps(
            {"job-finished": {"id": run.pk, "kind": "run", "status": run.status}}
        )
    return response


@require_GET
def run_metrics(request: AuthedHttpRequest, run_id: int) -> JsonResponse:
    """The curves' poll: points after ``?after=STEP``; ``finished`` once the run ended."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    from webapp.core.charts import parse_after

    try:
        after = parse_after(request.GET.get("after"))
    except ValueError:
        after = None
    return poll_response(request, run_charts(run, after=after), finished=run.finished)


@require_GET
def run_checkpoint_download(request: AuthedHttpRequest, run_id: int, step: int) -> StreamingHttpResponse:
    """A checkpoint's model folder as a streamed ``.tar.gz`` with ``atomlab.json`` beside the
    weights (``webapp.training.archive``). Anyone who may read the run may download it."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    archive = checkpoint_archive(selectors.checkpoint_get(run=run, step=step))
    response = StreamingHttpResponse(tar_gz_stream(archive), content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{archive.folder}.tar.gz"'
    return response


@require_POST
def run_cancel_view(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """Cancel (the owner or an admin)."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    # No flash message: it would outlive the cancel. The status part says "Cancelling…"
    # until the run ends, then its final state.
    run_cancel(run=run, by=request.user)
    return redirect("run", run_id=run.pk)


@require_POST
def run_resume_view(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """Resume a failed or cancelled run from its last checkpoint (the owner or an admin)."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    try:
        run_resume(run=run, by=request.user)
        messages.info(request, f"Run {run.pk} queued again from step {run.step}.")
    except RunActionRefused as exc:
        messages.error(request, str(exc))
    return redirect("run", run_id=run.pk)


@require_GET
def run_rollouts(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """One logged step's completions with their sandbox verdicts (``?step=N``; the last
    logged step by default)."""
    run = selectors.run_get(run_id=run_id, fetched_by=request.user)
    steps = selectors.rollout_steps(run=run)
    raw = request.GET.get("step", "")
    step = int(raw) if raw.isdigit() else (steps[-1].step if steps else None)
    rows = selectors.rollouts_at(run=run, step=step) if step is not None and steps else []
    context = {"run": run, "steps": steps, "step": step, "rows": rows}
    return render_page(request, "training/rollouts.html", context)


@require_GET
def run_compare(request: AuthedHttpRequest) -> HttpResponse:
    """Compare configs of runs ``?a=ID&b=ID``: what differs first, then what is the same."""
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    runs = selectors.run_list(fetched_by=request.user)[:200]
    context: dict[str, object] = {"runs": runs, "a": a, "b": b}
    if a.isdigit() and b.isdigit():
        left = selectors.run_get(run_id=int(a), fetched_by=request.user)
        right = selectors.run_get(run_id=int(b), fetched_by=request.user)
        diffs = selectors.run_compare(left=left, right=right)
        context |= {
            "left": left,
            "right": right,
            "different": [d for d in diffs if not d.same],
            "same": [d for d in diffs if d.same],
        }
    return render_page(request, "training/compare.html", context)
