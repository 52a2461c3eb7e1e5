"""The hand-written atom library: one module per topic, loaded in a fixed order."""

from __future__ import annotations

import importlib

from webapp.atoms.library.spec import AtomSpec

#: Topic modules in display order. A new topic is one module plus one entry here.
TOPIC_MODULES: tuple[str, ...] = (
    "numbers",
    "strings",
    "lists",
    "sorting_searching",
    "dicts_counting",
    "sets",
    "sequences",
    "bits",
    "matrices",
    "text_parsing",
)


def load_library() -> list[AtomSpec]:
    """Every atom of the library, each tagged with its topic, in a stable order."""
    atoms: list[AtomSpec] = []
    for name in TOPIC_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for spec in module.ATOMS:
            object.__setattr__(spec, "topic", module.TOPIC)
            atoms.append(spec)
    return atoms


def topic_titles() -> dict[str, str]:
    """Topic slug → human title, in display order."""
    out: dict[str, str] = {}
    for name in TOPIC_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        out[module.TOPIC] = module.TOPIC_TITLE
    return out
