"""The registry of problem sources: every app that can produce problem records (DESIGN.md,
"The problem record") registers a provider here, and everything that consumes records
(``export_problems``, mixtures, evaluation) asks the registry by source name.

Source names are ``atom_base``, ``atom_modify``, ``atom_translate``, ``composite:<pool>``,
``benchmark:<name>``, ``snapshot:<sha256>``: a provider claims a name, or a prefix ending
in ``:``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol


class UnknownSource(LookupError):
    """No provider serves this source name (the message lists what exists)."""


class ProblemProvider(Protocol):
    """What an app registers: the names it serves now, and their records."""

    #: Exact names (``"atom_base"``) or prefixes ending in ``":"`` (``"composite:"``).
    claims: tuple[str, ...]

    def names(self) -> list[str]:
        """Concrete source names available now (e.g. ``composite:A`` for each stored pool)."""
        ...

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Problem records of source ``name`` in ``lang`` (the source's default when None)."""
        ...


_PROVIDERS: list[ProblemProvider] = []


def register_provider(provider: ProblemProvider) -> None:
    """Called from an app's ``AppConfig.ready``; registering the same class twice is a no-op."""
    if not any(type(p) is type(provider) for p in _PROVIDERS):
        _PROVIDERS.append(provider)


def _provider_for(name: str) -> ProblemProvider:
    for provider in _PROVIDERS:
        for claim in provider.claims:
            if name == claim or (claim.endswith(":") and name.startswith(claim) and len(name) > len(claim)):
                return provider
    known = ", ".join(source_names()) or "none"
    raise UnknownSource(f"unknown source {name!r}; available: {known}")


def source_names() -> list[str]:
    """Every concrete source name available now, in registration order."""
    return [name for provider in _PROVIDERS for name in provider.names()]


def problem_records(
    name: str, *, lang: str | None = None, include_invalid: bool = False
) -> Iterator[dict[str, Any]]:
    """The records of one source; raises :class:`UnknownSource` for a name nobody serves."""
    return _provider_for(name).records(name, lang=lang, include_invalid=include_invalid)
