"""One helper decides between a whole page and one of its named partials (STYLE rule 6)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
