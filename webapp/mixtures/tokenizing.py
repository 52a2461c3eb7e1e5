"""Token counters for snapshot statistics, by name (STYLE rule 9).

The web side never imports ``transformers`` (DESIGN: the dependency direction), so a model's
tokenizer is used through its ``tokenizer.json`` file and the small Rust ``tokenizers``
package. Names:

- ``whitespace``: words separated by whitespace; a cheap, model-free length.
- ``utf8-bytes``: bytes of the UTF-8 encoding; an upper bound for byte-level BPE models.
- any path ending in ``.json``: a Hugging Face ``tokenizer.json`` (e.g. SmolLM2's), loaded
  once per process.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

TokenCounter = Callable[[str], int]


class TokenizerError(ValueError):
    """An unknown tokenizer name or an unreadable tokenizer file."""


def _whitespace(text: str) -> int:
    return len(text.split())


def _utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


BUILTIN: dict[str, TokenCounter] = {"whitespace": _whitespace, "utf8-bytes": _utf8_bytes}


@functools.lru_cache(maxsize=8)
def _from_file(path: str) -> TokenCounter:
    from tokenizers import Tokenizer  # a Rust extension: loaded only when a file is named

    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as exc:  # the library raises a bare Exception on a bad file
        raise TokenizerError(f"cannot load tokenizer file {path}: {exc}") from exc

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


def tokenizer_names() -> list[str]:
    """The built-in names (a ``tokenizer.json`` path is accepted besides these)."""
    return list(BUILTIN)


def token_counter(name: str) -> TokenCounter:
    """The counter for ``name``; raises :class:`TokenizerError` when it names nothing usable."""
    if name in BUILTIN:
        return BUILTIN[name]
    if name.endswith(".json"):
        if not Path(name).is_file():
            raise TokenizerError(f"tokenizer file {name} does not exist")
        return _from_file(str(Path(name).resolve()))
    raise TokenizerError(f"unknown tokenizer {name!r}; use {', '.join(BUILTIN)} or a tokenizer.json path")


def length_stats(lengths: Sequence[int]) -> dict[str, float]:
    """``min``, ``median``, ``p95`` (nearest rank) and ``max``; zeros for no lengths."""
    if not lengths:
        return {"min": 0, "median": 0, "p95": 0, "max": 0}
    ordered = sorted(lengths)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"min": ordered[0], "median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}
