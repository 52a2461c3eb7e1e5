"""The pipeline's view of an atom: the few fields composition needs, as plain data.

Atoms arrive as content dicts (``webapp.atoms.content``: what the database stores and what
``spec_content`` makes of a library spec), so the pipeline runs the same on the library
files and on the atoms researchers edited in the app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from webapp.atoms.content import content_digest, spec_content
from webapp.atoms.library.spec import ALLOWED_TYPES, AtomSpec, Param


@dataclass(frozen=True)
class PipelineAtom:
    """An atom as the pipeline uses it: signature, prompts, reference source, sample args."""

    slug: str
    entry_point: str
    params: tuple[Param, ...]
    returns: str
    prompt_en: str
    prompt_zh: str
    solution: str
    topic: str
    #: The atom's own case arguments: realistic inputs (a duration string for a duration
    #: parser) that random values of the type would rarely hit.
    sample_args: tuple[tuple[Any, ...], ...]
    digest: str

    @property
    def first_type(self) -> str:
        """The type of the parameter a chain feeds."""
        return self.params[0].type


def atom_from_content(slug: str, content: Mapping[str, Any]) -> PipelineAtom | None:
    """A pipeline atom, or ``None`` when the atom cannot take part in composition (no
    parameters, or a type outside ``ALLOWED_TYPES``)."""
    params = tuple(Param(p["name"], p["type"]) for p in content["params"])
    types = [p.type for p in params] + [content["returns"]]
    if not params or any(t not in ALLOWED_TYPES for t in types):
        return None
    return PipelineAtom(
        slug=slug,
        entry_point=content["entry_point"],
        params=params,
        returns=content["returns"],
        prompt_en=content["prompt_en"].strip(),
        prompt_zh=content["prompt_zh"].strip(),
        solution=content["solution"],
        topic=content.get("topic", ""),
        sample_args=tuple(
            tuple(c["args"]) for c in content.get("cases", []) if len(c["args"]) == len(params)
        ),
        digest=content_digest(dict(content)),
    )


def atoms_from_contents(contents: Mapping[str, Mapping[str, Any]]) -> list[PipelineAtom]:
    """Pipeline atoms from ``{slug: content}``, sorted by slug (order must not depend on
    where the atoms came from, or the same seed would compose differently)."""
    atoms = [atom_from_content(slug, contents[slug]) for slug in sorted(contents)]
    return [a for a in atoms if a is not None]


def atoms_from_specs(specs: Iterable[AtomSpec]) -> list[PipelineAtom]:
    """Pipeline atoms from library specs (``webapp.atoms.library.load_library()``)."""
    return atoms_from_contents({s.slug: spec_content(s) for s in specs})


def library_version(atoms: Iterable[PipelineAtom]) -> str:
    """A digest over the atoms' content digests: same atoms, same version, wherever they
    were read from. Sixteen hex digits are plenty to tell library states apart."""
    h = hashlib.sha256()
    for atom in sorted(atoms, key=lambda a: a.slug):
        h.update(f"{atom.slug}={atom.digest}\n".encode())
    return h.hexdigest()[:16]
