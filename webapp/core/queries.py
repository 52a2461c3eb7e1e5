"""Query helpers that must behave the same on PostgreSQL and on SQLite (the ``make run``
default), written once."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Q


def json_list_contains(field: str, value: str) -> Q:
    """Rows whose JSON list ``field`` holds the string ``value``.

    PostgreSQL answers with jsonb containment (``@>``, indexable). SQLite has no JSON
    containment, so there the value is matched as its quoted JSON spelling inside the
    list's text (``icontains``, the text lookup SQLite's JSON field supports; SQLite's LIKE
    ignores ASCII case either way, so ``Digits`` also finds ``digits`` there).
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": json.dumps(value, ensure_ascii=False)})
