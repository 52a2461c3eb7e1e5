"""Atoms as problem records (the format of DESIGN.md, "The problem record").

Three sources:

- ``atom_base``: the atom's prompt in ``lang`` (default ``en``) with its reference and cases.
- ``atom_modify``: the modified variant's prompt, reference and cases.
- ``atom_translate``: the atom's prompt in its *translated* language (the one that is not
  ``original_lang``); ``lang`` keeps only translations into that language.

The prompt is the natural-language task followed by the signature line the model must
implement. ``solution`` is the reference; the cases never reach the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from webapp.atoms.models import Atom, VariantKind
from webapp.atoms.selectors import atom_list

SOURCES: tuple[str, ...] = ("atom_base", "atom_modify", "atom_translate")
LANGS: tuple[str, ...] = ("en", "zh")


def problem_prompt(text: str, signature: str) -> str:
    """The task text, then the signature to implement."""
    return f"{text}\n\n{signature}:\n"


def _record(
    atom: Atom, source: str, lang: str, prompt: str, solution: str, cases: list[Any], **meta: Any
) -> dict[str, Any]:
    return {
        "task_id": f"{source}/{atom.slug}/{lang}",
        "source": source,
        "pool": None,
        "lang": lang,
        "prompt": problem_prompt(prompt, atom.signature),
        "entry_point": atom.entry_point,
        "solution": solution,
        "cases": [{"args": c["args"], "expected": c["expected"]} for c in cases],
        "test": None,
        "meta": {
            "atoms": [atom.slug],
            "topic": atom.topic,
            "difficulty": atom.difficulty,
            "tags": list(atom.tags),
            "signature": {"params": atom.params, "returns": atom.returns},
            "original_lang": atom.original_lang,
            "atom_version": atom.version,
            **meta,
        },
    }


def atom_problems(atoms: Iterable[Atom], *, source: str, lang: str | None = None) -> Iterator[dict[str, Any]]:
    """Problem records of ``atoms`` for one source (see the module docstring)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown lang {lang!r}; choose from {', '.join(LANGS)}")
    for atom in atoms:
        if source == "atom_base":
            use = lang or "en"
            yield _record(atom, source, use, getattr(atom, f"prompt_{use}"), atom.solution, atom.cases)
        elif source == "atom_modify":
            use = lang or "en"
            variant = next((v for v in atom.variants.all() if v.kind == VariantKind.MODIFY), None)
            if variant is None:
                continue
            yield _record(
                atom,
                source,
                use,
                getattr(variant, f"prompt_{use}"),
                variant.solution,
                variant.cases,
                change=variant.change,
            )
        else:
            translated = "zh" if atom.original_lang == "en" else "en"
            if lang is not None and lang != translated:
                continue
            yield _record(
                atom,
                source,
                translated,
                getattr(atom, f"prompt_{translated}"),
                atom.solution,
                atom.cases,
                translated_from=atom.original_lang,
            )


class AtomProblems:
    """The atoms' entry in the problem-source registry (``webapp.core.problems``)."""

    claims = SOURCES

    def names(self) -> list[str]:
        return list(SOURCES)

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[dict[str, Any]]:
        return atom_problems(atom_list(include_invalid=include_invalid), source=name, lang=lang)
