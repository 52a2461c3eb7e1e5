"""Composites pages: the list with filters, one composite, the form that starts a run and
the run's progress. Views stay thin (STYLE rule 1)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from webapp.core.access import Action, AuthedHttpRequest, allowed
from webapp.core.highlight import highlight_python
from webapp.core.htmx import render_page
from webapp.core.jobs import job_enqueue_report
from webapp.core.paging import page_of, query_without
from webapp.core.selectors import job_can_cancel
from webapp.mixtures.selectors import snapshots_with_chains
from webapp.synthesis import selectors
from webapp.synthesis.diagram import chain_diagram
from webapp.synthesis.forms import SynthesizeForm
from webapp.synthesis.services import run_create

PER_PAGE = 50


@require_GET
def composite_list(request: AuthedHttpRequest) -> HttpResponse:
    """Stored composites with filters (pool, depth, shape, atom, topic) and pages."""
    filters = selectors.CompositeFilters.from_query(request.GET)
    rows = selectors.composite_list(fetched_by=request.user, filters=filters)
    context = {
        "page": page_of(request, rows, PER_PAGE),
        "filters": filters,
        "facets": selectors.facet_values(fetched_by=request.user),
        "pools": selectors.pool_sizes(fetched_by=request.user),
        "runs": selectors.run_list(fetched_by=request.user, limit=5),
        "query": query_without(request).urlencode(),
    }
    return render_page(request, "synthesis/list.html", context, partial="results")


@require_GET
def composite_detail(request: AuthedHttpRequest, composite_id: int) -> HttpResponse:
    """One composite: chain diagram, highlighted code, both prompts, the cases, the atoms
    it is made of and the snapshots that hold it."""
    composite = selectors.composite_get(fetched_by=request.user, composite_id=composite_id)
    context = {
        "c": composite,
        "diagram": chain_diagram(composite.structure),
        "code": highlight_python(composite.solution, cssclass="highlight"),
        "snapshots": snapshots_with_chains(chain_keys=[composite.chain_key], fetched_by=request.user),
    }
    return render_page(request, "synthesis/detail.html", context)


@require_http_methods(["GET", "POST"])
@allowed(Action.COMPOSITE_SYNTHESIZE)
def synthesize(request: AuthedHttpRequest) -> HttpResponse:
    """The form that starts a run (researchers); a valid post leads to the run's page."""
    form = SynthesizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = run_create(by=request.user, config=form.cleaned_data["config"])
        job_enqueue_report(request, run.job)
        return redirect("synthesis-run", run_id=run.pk)
    return render_page(request, "synthesis/synthesize.html", {"form": form})


@require_GET
def run_detail(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """A run's parameters, its live progress bar and, once it finished, what it stored (the
    status partial refreshes itself when the job announces its end)."""
    run = selectors.run_get(fetched_by=request.user, run_id=run_id)
    can_cancel = run.job is not None and job_can_cancel(job=run.job, user=request.user)
    context = {"run": run, "job": run.job, "can_cancel": can_cancel}
    return render_page(request, "synthesis/run.html", context, partial="status")
