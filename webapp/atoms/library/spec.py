"""Plain-data description of a hand-written atom, as the library files declare it.

The library lives in this package as one readable module per topic (``numbers.py``,
``strings.py`` ...). Each module defines ``TOPIC`` (a slug), ``TOPIC_TITLE`` and ``ATOMS``,
a list of :class:`AtomSpec`. Nothing here imports Django: the synthesis pipeline and the
loader both read these objects, and the sandbox, not this module, runs the solutions.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The types a signature may use. Composition matches on these strings exactly, so they are
#: written in one canonical spelling (PEP 585 generics, no spaces after commas inside
#: brackets other than ``dict[str, int]``'s single space).
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "int",
        "float",
        "str",
        "bool",
        "list[int]",
        "list[float]",
        "list[str]",
        "list[bool]",
        "list[list[int]]",
        "dict[str, int]",
    }
)

#: Values a case may hold: what survives a JSON round trip unchanged.
JSONValue = Any


@dataclass(frozen=True)
class Case:
    """One test case: positional arguments and the expected return value (plain data)."""

    args: list[JSONValue]
    expected: JSONValue

    def as_record(self) -> dict[str, JSONValue]:
        return {"args": self.args, "expected": self.expected}


def cases(*pairs: tuple[list[JSONValue], JSONValue]) -> list[Case]:
    """Build cases from ``(args, expected)`` pairs, the compact form the library files use."""
    return [Case(args=list(a), expected=e) for a, e in pairs]


@dataclass(frozen=True)
class Param:
    """A named, typed parameter of a function: an atom's entry point or a composite's."""

    name: str
    type: str


def signature_line(entry_point: str, params: Iterable[Param | Mapping[str, str]], returns: str) -> str:
    """The one spelling of a signature, ``def name(a: int, b: list[int]) -> int``, for atoms,
    composites and messages alike. Params may be :class:`Param` or stored ``{"name", "type"}``
    dicts; a parameter or return without a type is written bare (as in code under edit)."""
    parts = []
    for p in params:
        name, type_ = (p.name, p.type) if isinstance(p, Param) else (p["name"], p["type"])
        parts.append(f"{name}: {type_}" if type_ else name)
    return f"def {entry_point}({', '.join(parts)})" + (f" -> {returns}" if returns else "")


@dataclass(frozen=True)
class VariantSpec:
    """The *modified* variant of an atom: same signature, deliberately different behaviour.

    ``change`` says in one line what differs from the atom (for reviewers and the UI).
    """

    change: str
    prompt_en: str
    prompt_zh: str
    solution: str
    cases: list[Case]


@dataclass(frozen=True)
class AtomSpec:
    """A hand-written atomic function with its prompts, reference solution and cases.

    ``solution`` is the full source of one top-level function named ``entry_point`` whose
    annotations spell ``params`` and ``returns`` exactly. ``original_lang`` records which
    prompt was written first; the other is its translation.
    """

    slug: str
    entry_point: str
    params: list[Param]
    returns: str
    prompt_en: str
    prompt_zh: str
    solution: str
    cases: list[Case]
    modify: VariantSpec
    difficulty: int = 1
    tags: list[str] = field(default_factory=list)
    original_lang: str = "en"
    topic: str = ""

    def signature(self) -> str:
        """The Python signature line, e.g. ``def digit_sum(n: int) -> int``."""
        return signature_line(self.entry_point, self.params, self.returns)


def atom(
    *,
    slug: str,
    params: list[tuple[str, str]],
    returns: str,
    prompt_en: str,
    prompt_zh: str,
    solution: str,
    cases: list[Case],
    modify: VariantSpec,
    entry_point: str | None = None,
    difficulty: int = 1,
    tags: list[str] | None = None,
    original_lang: str = "en",
) -> AtomSpec:
    """Declare an atom; the compact constructor the library files call."""
    return AtomSpec(
        slug=slug,
        entry_point=entry_point or slug,
        params=[Param(n, t) for n, t in params],
        returns=returns,
        prompt_en=prompt_en.strip(),
        prompt_zh=prompt_zh.strip(),
        solution=textwrap.dedent(solution).strip() + "\n",
        cases=cases,
        modify=modify,
        difficulty=difficulty,
        tags=list(tags or []),
        original_lang=original_lang,
    )


def variant(*, change: str, prompt_en: str, prompt_zh: str, solution: str, cases: list[Case]) -> VariantSpec:
    """Declare an atom's modified variant."""
    return VariantSpec(
        change=change,
        prompt_en=prompt_en.strip(),
        prompt_zh=prompt_zh.strip(),
        solution=textwrap.dedent(solution).strip() + "\n",
        cases=cases,
    )


def signature_of(source: str, entry_point: str) -> tuple[list[Param], str] | None:
    """Read the annotated parameters and return type of ``entry_point`` from source.

    Returns ``None`` when the source has no such top-level function. Raises ``SyntaxError``
    when the source does not parse. Annotations are normalised with ``ast.unparse`` so that
    ``list[int]`` and ``list[ int ]`` compare equal.
    """
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            params = [Param(a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in node.args.args]
            returns = ast.unparse(node.returns) if node.returns else ""
            return params, returns
    return None
