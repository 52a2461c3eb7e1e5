"""Reads of atoms (STYLE rule 2). Every role may read atoms, so access is "logged in",
which the middleware already enforces; the selectors exist so views never build queries."""

from __future__ import annotations

from django.db.models import QuerySet

from webapp.atoms.models import Atom, ValidationStatus


def atom_list(
    *, topic: str | None = None, status: str | None = None, include_invalid: bool = True
) -> QuerySet[Atom]:
    """Atoms in display order, with their variants prefetched."""
    qs = Atom.objects.prefetch_related("variants").order_by("topic", "slug")
    if topic:
        qs = qs.filter(topic=topic)
    if status:
        qs = qs.filter(status=status)
    if not include_invalid:
        qs = qs.exclude(status=ValidationStatus.INVALID)
    return qs
