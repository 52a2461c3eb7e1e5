"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

#: The product's sections, in navigation order: (label, url name, issue that builds it).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("Atoms", "atoms"),
    ("Composites", "composites"),
    ("Datasets", "datasets"),
    ("Runs", "runs"),
    ("Evaluations", "evaluations"),
    ("Studies", "studies"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries and which one is current."""
    path = request.path
    return {
        "nav_sections": [
            {"label": label, "slug": slug, "active": path.startswith(f"/{slug}/")} for label, slug in SECTIONS
        ]
    }
