"""Fixtures for the evaluation suite: real eval snapshots frozen from the atom library (and
HumanEval), and a small generator that writes a real ``generations.jsonl`` the way the GPU
worker does (one ``GenerationRecord`` per line), with answers of every kind: the reference
solution, a wrong answer, a runtime error, and two hostile programs (``sys.exit(0)`` before
anything runs, and an object whose ``__eq__`` is always true)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from training_worker.contracts import ProblemRecord
from training_worker.storage import Storage

HOSTILE_EXIT = "import sys\nsys.exit(0)\n"
ALWAYS_EQUAL = (
    "class AlwaysEqual:\n"
    "    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n"
    "def {name}(*args, **kwargs):\n    return AlwaysEqual()\n"
)


def answer(record: ProblemRecord, kind: str) -> str:
    """A model-like answer of ``kind`` for ``record`` (markdown, as a chat model writes)."""
    if kind == "reference":
        body = record.solution
    elif kind == "wrong":
        body = f"def {record.entry_point}(*args, **kwargs):\n    return 'surely not this'\n"
    elif kind == "raises":
        body = f"def {record.entry_point}(*args, **kwargs):\n    return 1 / 0\n"
    elif kind == "exit":
        body = HOSTILE_EXIT
    elif kind == "always_equal":
        body = ALWAYS_EQUAL.format(name=record.entry_point)
    elif kind == "nul":  # a model that writes NUL bytes, in its prose and in what it returns
        code = f"def {record.entry_point}(*args, **kwargs):\n    return '\\x00'\n"
        return f"Here\x00 it is.\n\n```python\n{code}```\n\x00"
    elif kind.startswith("code:"):  # a program of the test's own; {name} is the entry point
        body = kind.removeprefix("code:").format(name=record.entry_point)
    else:
        raise ValueError(kind)
    return f"Here is my solution.\n\n```python\n{body}```\n"


#: The default plan: per problem, sample i answers with KINDS[i] (n = 5).
KINDS = ("reference", "wrong", "raises", "exit", "always_equal")


def write_generations(
    root: Path,
    prefix: str,
    suites: list[tuple[Any, list[ProblemRecord]]],
    plan: Callable[[ProblemRecord, int], str] | None = None,
    n: int = len(KINDS),
) -> str:
    """Write ``<prefix>/generations.jsonl`` under ``root`` for ``suites`` ((snapshot, its
    records) pairs); ``plan(record, i)`` picks the kind of sample i. Returns its URI."""
    storage = Storage(str(root))
    lines = []
    for snapshot, records in suites:
        data_uri = storage.uri(f"snapshots/{snapshot.sha256}.jsonl")
        for record in records:
            for i in range(n):
                kind = plan(record, i) if plan else KINDS[i % len(KINDS)]
                completion = answer(record, kind)
                lines.append(
                    {
                        "task_id": record.task_id,
                        "sample_index": i,
                        "source": record.source,
                        "data_uri": data_uri,
                        "prompt": record.prompt,
                        "completion": completion,
                        "code": "",  # the web side extracts it, as for a worker that sent none
                        "prompt_tokens": len(record.prompt.split()),
                        "completion_tokens": len(completion.split()),
                        "finish_reason": "stop",
                        "seconds": 0.01,
                        "schema_version": 1,
                    }
                )
    text = "".join(json.dumps(line) + "\n" for line in lines)
    return storage.write_text(f"{prefix}/generations.jsonl", text)


@pytest.fixture
def artifacts(settings: Any, tmp_path: Path) -> Path:
    """Snapshot and generation files under the test's own folder."""
    root = tmp_path / "artifacts"
    settings.ARTIFACT_ROOT = str(root)
    return root


def freeze(name: str, source: str, ratio: str, lang: str = "en") -> Any:
    """A snapshot of one source, frozen through the real service."""
    from webapp.mixtures.recipe import Item
    from webapp.mixtures.services import mixture_create, snapshot_freeze

    mixture = mixture_create(
        name=name, by=None, seed=0, items=[Item(source=source, ratio=Decimal(ratio), lang=lang, role="eval")]
    )
    return snapshot_freeze(version=mixture.latest, by=None)


def freeze_recipe(name: str, *items: tuple[str, str, str]) -> Any:
    """A snapshot frozen through the real service from ``(source, ratio %, role)`` items."""
    from webapp.mixtures.recipe import Item
    from webapp.mixtures.services import mixture_create, snapshot_freeze

    mixture = mixture_create(
        name=name,
        by=None,
        seed=0,
        items=[Item(source=s, ratio=Decimal(r), lang="en", role=role) for s, r, role in items],
    )
    return snapshot_freeze(version=mixture.latest, by=None)


def eval_rows_of(records: list[ProblemRecord]) -> list[ProblemRecord]:
    """The eval rows of a snapshot's records, in file order."""
    return [r for r in records if r.role == "eval"]


@pytest.fixture
def atom_suite(db: Any, artifacts: Path) -> tuple[Any, list[ProblemRecord]]:
    """Four atoms (4% of the library's base problems) frozen as an eval snapshot."""
    from webapp.atoms.services import library_load
    from webapp.mixtures.storage import read_snapshot

    library_load()
    snapshot = freeze("eval-atoms", "atom_base", "4")
    return snapshot, list(read_snapshot(snapshot.sha256))
