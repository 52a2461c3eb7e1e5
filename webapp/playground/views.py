"""Playground pages: the form with the history of past prompts, and one request with its
bar and samples. Views stay thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.core.access import Action, AuthedHttpRequest, can, require
from webapp.core.highlight import highlight_python
from webapp.core.htmx import announce_finished, render_page
from webapp.core.joblog import job_log_tail
from webapp.core.paging import page_of
from webapp.playground import selectors
from webapp.playground.forms import PromptForm
from webapp.playground.models import PlaygroundRequest
from webapp.playground.services import (
    PlaygroundRefused,
    playground_cancel,
    playground_check,
    playground_create,
    problem_find,
)
from webapp.training.models import Checkpoint

PER_PAGE = 20


def _initial(request: AuthedHttpRequest) -> dict[str, Any]:
    """What a link may pre-fill: ``?checkpoint=``, ``?model=``, ``?snapshot=&task=`` (the
    problem's prompt is filled in the view), or ``?from=<id>`` (a past request, to edit)."""
    q = request.GET
    if q.get("from", "").isdigit():
        old = selectors.request_list(fetched_by=request.user).filter(pk=int(q["from"])).first()
        if old is not None:
            return {
                "prompt": old.prompt,
                "model": old.model,
                "checkpoint": old.checkpoint_id,
                "snapshot": old.snapshot_id,
                "task_id": old.task_id,
                "n": old.n,
                "temperature": old.temperature,
                "max_new_tokens": old.max_new_tokens,
                "seed": old.seed,
            }
    keys = {"checkpoint": "checkpoint", "model": "model", "snapshot": "snapshot", "task": "task_id"}
    initial = {field: q[key] for key, field in keys.items() if q.get(key)}
    if str(initial.get("snapshot", "")).isdigit() and initial.get("task_id"):
        snapshot = selectors.snapshot_choices(fetched_by=request.user).filter(pk=initial["snapshot"]).first()
        problem = problem_find(snapshot, initial["task_id"]) if snapshot is not None else None
        if problem is not None:
            initial["prompt"] = problem.prompt
        else:
            messages.error(request, f"There is no problem “{initial['task_id']}” in that snapshot.")
    return initial


def _filled(form: PromptForm, data: QueryDict, snapshots: Any) -> PromptForm:
    """``form`` (bound) with the prompt of the problem its snapshot and task id name, or an
    error at the field that is missing."""
    data = data.copy()
    if form.is_valid() and form.cleaned_data["snapshot"] and form.cleaned_data["task_id"]:
        snapshot, task = form.cleaned_data["snapshot"], form.cleaned_data["task_id"].strip()
        problem = problem_find(snapshot, task)
        if problem is not None:
            data["prompt"] = problem.prompt
            return PromptForm(data, snapshots=snapshots)
        form.add_error("task_id", f"snapshot {snapshot.short} has no problem “{task}”")
    elif form.is_valid():
        missing = "task_id" if form.cleaned_data["snapshot"] else "snapshot"
        form.add_error(missing, "choose a snapshot and one of its task ids to fill the prompt from")
    return form


def _page(request: AuthedHttpRequest, form: PromptForm | None, status: int = 200) -> HttpResponse:
    """The playground page: the form (researchers), the history, the picker's task ids."""
    snapshot = str(form["snapshot"].value() or "") if form is not None else ""
    chosen = (
        selectors.snapshot_choices(fetched_by=request.user).filter(pk=int(snapshot)).first()
        if snapshot.isdigit()
        else None
    )
    checkpoint_id = str(form["checkpoint"].value() or "") if form is not None else ""
    checkpoint = (
        Checkpoint.objects.select_related("run").filter(pk=int(checkpoint_id)).first()
        if checkpoint_id.isdigit()
        else None
    )
    context = {
        "form": form,
        "page": page_of(request, selectors.request_list(fetched_by=request.user), PER_PAGE),
        "task_ids": selectors.task_ids(chosen) if chosen is not None else [],
        "chosen_snapshot": chosen,
        "checkpoint": checkpoint,
    }
    return render_page(request, "playground/index.html", context, status=status)


@require_http_methods(["GET", "POST"])
def index(request: AuthedHttpRequest) -> HttpResponse:
    """The form and the history (GET); a valid post sends the request and leads to its page,
    ``fill`` copies the chosen problem's prompt into the form."""
    snapshots = selectors.snapshot_choices(fetched_by=request.user)
    if request.method != "POST":
        form = None
        if can(request.user, Action.PLAYGROUND_PROMPT):
            form = PromptForm(initial=_initial(request), snapshots=snapshots)
        return _page(request, form)
    require(request.user, Action.PLAYGROUND_PROMPT)
    form = PromptForm(request.POST, snapshots=snapshots)
    if "fill" in request.POST:
        return _page(request, _filled(form, request.POST, snapshots))
    valid = form.is_valid()
    try:
        if valid:
            req = playground_create(by=request.user, ask=form.ask())
            return redirect("playground-request", request_id=req.pk)
        playground_check(form.ask())  # the service's refusals too, with the form's own
    except PlaygroundRefused as refused:
        form.refuse(refused.errors)
    return _page(request, form, status=400)


def _job_context(request: AuthedHttpRequest, req: PlaygroundRequest) -> dict[str, Any]:
    return {
        "job": req,
        "can_cancel": selectors.request_can_cancel(req=req, user=request.user),
        "poll_url": reverse("playground-progress", args=[req.pk]),
        "cancel_url": reverse("playground-cancel", args=[req.pk]),
    }


@require_GET
def detail(request: AuthedHttpRequest, request_id: int) -> HttpResponse:
    """One request: what was asked, its live bar, then each sample (the results partial
    refreshes itself when the job announces its end)."""
    req = selectors.request_get(request_id=request_id, fetched_by=request.user)
    stored = list(req.samples.all())
    samples = [
        (s, highlight_python(s.code or "# no code was extracted from the answer"), f"cases-{s.index}")
        for s in stored
    ]
    passed = sum(1 for s in stored if s.passed)
    context = {
        **_job_context(request, req),
        "req": req,
        "samples": samples,
        "passed": passed,
        "log_tail": job_log_tail(req.job_id),
    }
    return render_page(request, "playground/request.html", context, partial="results")


@require_GET
def progress(request: AuthedHttpRequest, request_id: int) -> HttpResponse:
    """The request's self-polling bar (htmx), or its page."""
    req = selectors.request_get(request_id=request_id, fetched_by=request.user)
    if not getattr(request, "htmx", False):
        return redirect("playground-request", request_id=req.pk)
    response = render_page(request, "core/job.html", _job_context(request, req), partial="progress")
    return announce_finished(request, response, req)


@require_POST
def cancel(request: AuthedHttpRequest, request_id: int) -> HttpResponse:
    """Stop the request (its owner or an admin); answers with the refreshed bar (or the page)."""
    req = selectors.request_get(request_id=request_id, fetched_by=request.user)
    playground_cancel(req=req, by=request.user)
    return (
        progress(request, request_id)
        if getattr(request, "htmx", False)
        else redirect("playground-request", request_id=req.pk)
    )
