"""One helper decides between a whole page and one of its named partials (STYLE rule 6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from webapp.core.models import JobBase

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


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


def announce_finished(request: HttpRequest, response: HttpResponse, job: JobBase) -> HttpResponse:
    """Tell the page a job it shows has finished: an htmx ``job-finished`` event (with the
    job's id, kind and status) that bubbles to ``<body>``. Parts of a page that show what
    the job changes refresh themselves on it (``hx-trigger="job-finished from:body"``), so
    the only thing that polls is the job's own bar."""
    if job.finished and getattr(request, "htmx", False):
        detail = {"id": job.pk, "kind": getattr(job, "kind", type(job).__name__), "status": job.status}
        response["HX-Trigger"] = json.dumps({"job-finished": detail})
    return response


def is_htmx(request: HttpRequest) -> bool:
    """Whether the request comes from htmx (boosted navigation counts as a page load)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def fragment_only(
    *, part_of: str, page_url: str, page_label: str, fallback: Callable[..., HttpResponse] | None = None
) -> Callable[[ViewFunc], ViewFunc]:
    """For a view that only makes sense as an htmx fragment inside another page: a plain
    request gets ``fallback(request, *args, **kwargs)`` (typically a redirect to the whole
    page) or, without one, a 400 page naming the page it belongs to (``part_of``, a phrase
    such as "the mixture builder", and a link to the URL name ``page_url`` labelled
    ``page_label``), never a template error."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_htmx(request):
                return view(request, *args, **kwargs)
            if fallback is not None:
                return fallback(request, *args, **kwargs)
            context = {"part_of": part_of, "page_url": reverse(page_url), "page_label": page_label}
            return render(request, "core/fragment_only.html", context, status=400)

        return cast(ViewFunc, wrapper)

    return decorate
