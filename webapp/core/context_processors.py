"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from webapp.core.dashboard import SECTIONS


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries (``webapp.core.dashboard.SECTIONS``) and which one is current."""
    path = request.path
    return {
        "nav_sections": [
            {"label": s.label, "slug": s.slug, "active": path.startswith(f"/{s.slug}/")} for s in SECTIONS
        ]
    }
