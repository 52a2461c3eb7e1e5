"""Dashboard, health and job pages. Views stay thin (STYLE rule 1)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from webapp.core import health, jobs, queue, selectors
from webapp.core.access import AuthedHttpRequest, Refused, log_refusal
from webapp.core.dashboard import dashboard as build_dashboard
from webapp.core.htmx import announce_finished, render_page
from webapp.core.services import queues_roundtrip


@require_GET
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    """Where a researcher starts: each workflow stage with its counts, the next step, the
    jobs running now and recent activity."""
    context = {
        "board": build_dashboard(request.user),
        "jobs": selectors.job_list_active(fetched_by=request.user),
    }
    return render_page(request, "core/dashboard.html", context)


@require_GET
def queue_page(request: AuthedHttpRequest) -> HttpResponse:
    """What waits for a GPU worker and in what order, what runs where, each worker's memory.
    ``?job=<job id>``: that job's place in line, the fragment run, evaluation and study pages
    load (``core/queue.html#position``)."""
    job_id = request.GET.get("job")
    if job_id is not None:
        context = {"entry": queue.position_of(job_id), "job_id": job_id}
        return render(request, "core/queue.html#position", context)
    return render_page(request, "core/queue.html", {"state": queue.gpu_queue()}, partial="board")


@require_GET
def health_page(request: HttpRequest) -> HttpResponse:
    """Database, Redis, the sandbox and each queue's workers; JSON with ``?format=json``.

    Asking the workers which queues they consume takes a second (a broadcast waits for its
    timeout), so the page shows the quick checks at once and fetches the queue rows with
    htmx (``?part=queues``); the JSON, for probes, has every check."""
    if request.GET.get("format") == "json":
        checks = health.check_all()
        status = 200 if all(c.ok for c in checks) else 503
        payload = {
            "ok": status == 200,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "ms": c.ms} for c in checks],
        }
        return JsonResponse(payload, status=status)
    if request.GET.get("part") == "queues":
        rows = health.check_queues() if health.check_redis().ok else health.queues_unknown()
        return render_page(request, "core/health.html", {"queue_checks": rows}, partial="queue-rows")
    fast = health.check_fast()
    redis_down = not next(c for c in fast if c.name == "redis").ok
    context = {
        "checks": [c for c in fast if c.name != "sandbox"],
        "sandbox": next(c for c in fast if c.name == "sandbox"),
        # With Redis down the answer for every queue is known at once; otherwise it is fetched.
        "queue_checks": health.queues_unknown() if redis_down else None,
        "queues": health.QUEUES,
    }
    status = 200 if all(c.ok for c in fast) else 503
    return render_page(request, "core/health.html", context, status=status)


@require_POST
def health_roundtrip(request: AuthedHttpRequest) -> HttpResponse:
    """Send a ping through every queue and show the answers (an htmx fragment)."""
    results = queues_roundtrip(by=request.user)
    return render_page(request, "core/health.html", {"roundtrip": results}, partial="roundtrip")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says (downloads, error pages)."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))


@login_not_required
@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    """Liveness for container orchestration: the process answers; nothing else is checked."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def job_detail(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """A job's progress: the whole page, or its self-polling bar for htmx."""
    job = selectors.job_get(job_id=job_id, fetched_by=request.user)
    can_cancel = selectors.job_can_cancel(job=job, user=request.user)
    context = {"job": job, "can_cancel": can_cancel}
    response = render_page(request, "core/job.html", context, partial="progress")
    return announce_finished(request, response, job)


@require_POST
def job_cancel(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """Ask the job to stop; answers with the refreshed bar."""
    job = selectors.job_get_for_cancel(job_id=job_id, user=request.user)
    jobs.job_cancel(job=job)
    job.refresh_from_db()
    response = render_page(request, "core/job.html", {"job": job, "can_cancel": True}, partial="progress")
    return announce_finished(request, response, job)


def refused(request: HttpRequest, exception: PermissionDenied | None = None) -> HttpResponse:
    """The 403 page (``handler403``): the app's own page with the reason, never a bare
    "403 Forbidden". For htmx, the reason alone, which the page shows in its flash area
    (``base.html`` lets htmx swap a 403 there instead of over the control that asked).
    The refusal is logged as one line (:func:`~webapp.core.access.log_refusal`), in place
    of Django's "Forbidden" warning with its traceback."""
    log_refusal(request, exception)
    reason = str(exception) if exception is not None and str(exception) else "You may not do this."
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    context = {"reason": reason, "back": back}
    response = render_page(request, "core/refused.html", context, partial="reason", status=403)
    if getattr(request, "htmx", False):
        response["HX-Retarget"] = "#flash"
        response["HX-Reswap"] = "innerHTML"
    response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log.log_response
    return response


def csrf_refused(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a stale form gets the refusal page with what to do, not
    Django's bare CSRF page."""
    message = "This form was out of date (your session changed or expired): reload the page and try again."
    return refused(request, Refused(message))
