"""One pager for every list page: the page a request asks for, and the query its links keep.

The links are drawn by the ``pager`` partial of ``core/parts.html`` from ``page`` and
``query`` (the filters, without ``page`` itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict


def page_of(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], per_page: int) -> Page[Any]:
    """The page of ``rows`` that ``?page=`` names: the last one for a number past the end, the
    first one for anything that is not a number (``Paginator.get_page``)."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *names: str) -> QueryDict:
    """The request's query without ``page`` and ``names``: what the pager's links and the
    page's other links carry over."""
    query = request.GET.copy()
    for name in ("page", *names):
        query.pop(name, None)
    return query
