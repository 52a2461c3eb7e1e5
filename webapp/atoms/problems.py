"""Atoms as problem records (the format of DESIGN.md, "The problem record").

Five sources:

- ``atom_base``: the atom's prompt in ``lang`` (default ``en``) with its reference and cases.
- ``atom_modify``: the modified variant's prompt, reference and cases.
- ``atom_translate``: the atom's prompt in its *translated* language (the one that is not
  ``original_lang``); ``lang`` keeps only translations into that language.
- ``prompt_translation:en2cn`` / ``prompt_translation:cn2en``: one pair per atom, the paper's
  translation task. Record: ``prompt`` is an instruction (in the source language) followed
  by the atom's task prompt in the source language; ``solution`` is the same task prompt in
  the target language; ``lang`` is the target language; ``entry_point`` is ``""``, ``cases``
  is ``[]`` and ``test`` is ``None`` (nothing to run); ``meta.kind`` is ``"translation"``
  with ``direction``, ``source_lang`` and ``target_lang``.

The prompt is the natural-language task followed by the signature line the model must
implement. ``solution`` is the reference; the cases never reach the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from training_worker.contracts import ProblemRecord
from webapp.atoms.models import Atom, VariantKind
from webapp.atoms.selectors import atom_list
from webapp.core.problems import building

SOURCES: tuple[str, ...] = ("atom_base", "atom_modify", "atom_translate")
LANGS: tuple[str, ...] = ("en", "zh")
TRANSLATION_SOURCES: dict[str, tuple[str, str]] = {
    "prompt_translation:en2cn": ("en", "zh"),
    "prompt_translation:cn2en": ("zh", "en"),
}
#: The instruction is written in the language the model reads the task in.
TRANSLATION_INSTRUCTIONS: dict[str, str] = {
    "en": (
        "Translate the following programming task into Chinese. Keep code, identifiers and the "
        "function signature unchanged."
    ),
    "zh": "把下面的编程任务翻译成英文。代码、标识符和函数签名保持不变。",
}


def problem_prompt(text: str, signature: str) -> str:
    """The task text, then the signature to implement."""
    return f"{text}\n\n{signature}:\n"


def _record(
    atom: Atom, source: str, lang: str, prompt: str, solution: str, cases: list[Any], **meta: Any
) -> ProblemRecord:
    """The one construction of an ``atom_*`` record."""
    task_id = f"{source}/{atom.slug}/{lang}"
    with building(task_id):
        return ProblemRecord(
            task_id=task_id,
            source=source,
            pool=None,
            lang=lang,
            prompt=problem_prompt(prompt, atom.signature),
            entry_point=atom.entry_point,
            solution=solution,
            cases=[{"args": c["args"], "expected": c["expected"]} for c in cases],
            test=None,
            meta={
                "atoms": [atom.slug],
                "topic": atom.topic,
                "difficulty": atom.difficulty,
                "tags": list(atom.tags),
                "signature": {"params": atom.params, "returns": atom.returns},
                "original_lang": atom.original_lang,
                "atom_version": atom.version,
                **meta,
            },
        )


def atom_problems(atoms: Iterable[Atom], *, source: str, lang: str | None = None) -> Iterator[ProblemRecord]:
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
    ) -> Iterator[ProblemRecord]:
        return atom_problems(atom_list(include_invalid=include_invalid), source=name, lang=lang)


def translation_record(atom: Atom, name: str) -> ProblemRecord:
    """The one construction of a ``prompt_translation:*`` record (module docstring)."""
    source_lang, target_lang = TRANSLATION_SOURCES[name]
    direction = name.split(":", 1)[1]
    text = problem_prompt(getattr(atom, f"prompt_{source_lang}"), atom.signature)
    task_id = f"prompt_translation/{direction}/{atom.slug}"
    with building(task_id):
        return ProblemRecord(
            task_id=task_id,
            source="prompt_translation",
            pool=None,
            lang=target_lang,
            prompt=f"{TRANSLATION_INSTRUCTIONS[source_lang]}\n\n{text}",
            entry_point="",
            solution=problem_prompt(getattr(atom, f"prompt_{target_lang}"), atom.signature),
            cases=[],
            test=None,
            meta={
                "kind": "translation",
                "direction": direction,
                "source_lang": source_lang,
                "target_lang": target_lang,
                "atoms": [atom.slug],
                "topic": atom.topic,
                "original_lang": atom.original_lang,
                "atom_version": atom.version,
            },
        )


def translation_records(name: str, *, include_invalid: bool = False) -> Iterator[ProblemRecord]:
    """One translation pair per atom (module docstring)."""
    for atom in atom_list(include_invalid=include_invalid):
        yield translation_record(atom, name)


class TranslationProblems:
    """``prompt_translation:en2cn`` and ``prompt_translation:cn2en``."""

    claims: tuple[str, ...] = tuple(TRANSLATION_SOURCES)

    def names(self) -> list[str]:
        return list(TRANSLATION_SOURCES)

    def records(
        self, name: str, *, lang: str | None = None, include_invalid: bool = False
    ) -> Iterator[ProblemRecord]:
        target = TRANSLATION_SOURCES[name][1]
        if lang not in (None, target):
            raise ValueError(f"{name} produces {target} text; ask for lang {target} or as authored")
        return translation_records(name, include_invalid=include_invalid)
