"""One helper decides between a whole page and one of its named partials (STYLE rule 6)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from webapp.core.models import BackgroundJob


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``template``; for an htmx request render only its partial named ``partial``.

    ``template`` is ``"<app>/<page>.html"`` and ``partial`` a ``{% partialdef %}`` inside it,
    so a page and its fragments are one file. Boosted navigation gets the whole page.
    """
    htmx = getattr(request, "htmx", None)
    name = template
    if partial and htmx and not htmx.boosted:
        name = f"{template}#{partial}"
    return render(request, name, context or {}, status=status)


def announce_finished(request: HttpRequest, response: HttpResponse, job: BackgroundJob) -> HttpResponse:
    """Tell the page a job it shows has finished: an htmx ``job-finished`` event (with the
    job's id, kind and status) that bubbles to ``<body>``. Parts of a page that show what
    the job changes refresh themselves on it (``hx-trigger="job-finished from:body"``), so
    the only thing that polls is the job's own bar."""
    if job.finished and getattr(request, "htmx", False):
        detail = {"id": job.pk, "kind": job.kind, "status": job.status}
        response["HX-Trigger"] = json.dumps({"job-finished": detail})
    return response
