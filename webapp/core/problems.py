"""The registry of problem sources: every app that can produce problem records (DESIGN.md,
"The problem record") registers a provider here, and everything that consumes records
(``export_problems``, mixtures, evaluation) asks the registry by source name.

Source names are ``atom_base``, ``atom_modify``, ``atom_translate``, ``composite:<pool>``,
``benchmark:<name>``, ``snapshot:<sha256>``: a provider claims a name, or a prefix ending
in ``:``.

Records are :class:`~training_worker.contracts.ProblemRecord` objects (the wire type the GPU
workers read), each built in one place per source inside :func:`building`, so a record that
fails the type's checks surfaces as :class:`InvalidRecord` naming the source and the task,
and is never written. Files get :func:`record_json` of a record.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from training_worker.contracts import UNMARKED_PROBLEM_VERSION, ContractError, ProblemRecord

T = TypeVar("T")


class UnknownSource(LookupError):
    """No provider serves this source name (the message lists what exists)."""


class InvalidRecord(ValueError):
    """A source produced a record that fails :class:`ProblemRecord`'s checks.

    ``source`` is the registry name asked for (filled in by :func:`problem_records` when
    the builder did not know it), ``task_id`` the task the record was for and ``reason``
    the contract's message, which names the field."""

    def __init__(self, *, task_id: str, reason: str, source: str = "") -> None:
        self.source, self.task_id, self.reason = source, task_id, reason
        where = f"source {source}, task {task_id}" if source else f"task {task_id}"
        super().__init__(f"invalid problem record ({where}): {reason}")


@contextlib.contextmanager
def building(task_id: str) -> Iterator[None]:
    """Around a source's one construction of a :class:`ProblemRecord` for ``task_id``: a
    :class:`ContractError` becomes :class:`InvalidRecord` with the task id."""
    try:
        yield
    except ContractError as exc:
        raise InvalidRecord(task_id=task_id, reason=str(exc)) from None


def records_from(rows: Iterator[T], build: Callable[[T], ProblemRecord]) -> Iterator[ProblemRecord]:
    """``build(row)`` for each of ``rows`` (e.g. a ``QuerySet.iterator()``), whose database
    cursor is closed as soon as a build fails, not whenever the garbage collector reaches the
    failed frame: by then the cursor's transaction may be gone, and closing it would break
    whatever transaction the connection is in."""
    try:
        for row in rows:
            yield build(row)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


#: ProblemRecord's fields in DESIGN.md's order, which exports have always written (snapshot
#: lines sort them), then any other field (``schema_version``).
_DESIGN_ORDER = (
    "task_id", "source", "pool", "lang", "prompt", "entry_point", "solution", "cases", "test", "meta"
)  # fmt: skip
_FIELDS = [f.name for f in dataclasses.fields(ProblemRecord)]
_FIELD_ORDER = (*(n for n in _DESIGN_ORDER if n in _FIELDS), *(n for n in _FIELDS if n not in _DESIGN_ORDER))


def record_json(record: ProblemRecord) -> dict[str, Any]:
    """``record.to_dict()`` as written to files (snapshots and exports), keys in DESIGN.md's
    order; shallow, so read what it holds and never change it. A record of
    :data:`~training_worker.contracts.UNMARKED_PROBLEM_VERSION` leaves ``schema_version``
    out, so its line is byte for byte the line written before records had a version (and
    every snapshot hash made then stays valid); a later version keeps it on every line."""
    # ``to_dict()``'s fields without its deep copy (a record holds no nested dataclass, so
    # the values are the same): snapshots write hundreds of thousands of lines, and the copy
    # was two thirds of a freeze.
    data = {name: getattr(record, name) for name in _FIELD_ORDER}
    if data["schema_version"] == UNMARKED_PROBLEM_VERSION:
        del data["schema_version"]
    return data


class ProblemProvider(Protocol):
    """What an app registers: the names it serves now, and their records."""

    #: Exact names (``"atom_base"``) or prefixes ending in ``":"`` (``"composite:"``).
    claims: tuple[str, ...]

    def names(self) -> list[str]:
        """Concrete source names available now (e.g. ``composite:A`` for each stored pool)."""
        ...

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[ProblemRecord]:
        """Problem records of source ``name`` in ``lang`` (the source's default when None);
        :class:`InvalidRecord` for one that fails the record's checks."""
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
) -> Iterator[ProblemRecord]:
    """The records of one source; raises :class:`UnknownSource` for a name nobody serves
    (at once) and :class:`InvalidRecord`, naming ``name`` and the task, for a record that
    fails its checks (when iteration reaches it)."""
    records = _provider_for(name).records(name, lang=lang, include_invalid=include_invalid)
    return _named(name, records)


def _named(name: str, records: Iterator[ProblemRecord]) -> Iterator[ProblemRecord]:
    try:
        yield from records
    except InvalidRecord as exc:
        if exc.source:
            raise
        raise InvalidRecord(source=name, task_id=exc.task_id, reason=exc.reason) from None
