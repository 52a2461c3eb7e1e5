"""export_problems writes the problem records of DESIGN.md for each atom source."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from webapp.atoms.models import Atom, ValidationStatus

KEYS = {"task_id", "source", "pool", "lang", "prompt", "entry_point", "solution", "cases", "test", "meta"}


def _export(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp_path / "out.jsonl"
    call_command("export_problems", *args, "--out", str(out), stderr=StringIO())
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_atom_base_gives_100_records_over_10_topics_with_both_prompts(loaded: Any, tmp_path: Path) -> None:
    en = _export(tmp_path, "--source", "atom_base")
    zh = _export(tmp_path, "--source", "atom_base", "--lang", "zh")
    assert len(en) == len(zh) == 100
    assert all(set(r) == KEYS for r in en)
    assert len(Counter(r["meta"]["topic"] for r in en)) == 10
    assert all(len(r["cases"]) >= 6 for r in en)
    assert len({r["task_id"] for r in en}) == 100
    by_id = {r["meta"]["atoms"][0]: r for r in zh}
    for r in en:
        other = by_id[r["meta"]["atoms"][0]]
        assert r["lang"] == "en" and other["lang"] == "zh" and r["prompt"] != other["prompt"]
        assert r["solution"] == other["solution"] and r["cases"] == other["cases"]
        signature = Atom.objects.get(slug=r["meta"]["atoms"][0]).signature
        assert r["prompt"].endswith(f"\n\n{signature}:\n") and other["prompt"].endswith(f"\n\n{signature}:\n")


def test_prompt_ends_with_the_signature_and_solution_is_the_reference(loaded: Any, tmp_path: Path) -> None:
    record = next(r for r in _export(tmp_path, "--source", "atom_base") if r["entry_point"] == "rotate_left")
    assert record["task_id"] == "atom_base/rotate_left/en"
    assert record["prompt"].endswith("\n\ndef rotate_left(xs: list[int], k: int) -> list[int]:\n")
    assert record["solution"] == Atom.objects.get(slug="rotate_left").solution
    assert record["meta"]["signature"] == {
        "params": [{"name": "xs", "type": "list[int]"}, {"name": "k", "type": "int"}],
        "returns": "list[int]",
    }


def test_atom_modify_gives_100_more_with_the_variants_reference(loaded: Any, tmp_path: Path) -> None:
    base = {r["meta"]["atoms"][0]: r for r in _export(tmp_path, "--source", "atom_base")}
    modify = _export(tmp_path, "--source", "atom_modify")
    assert len(modify) == 100
    for r in modify:
        atom = base[r["meta"]["atoms"][0]]
        assert r["solution"] != atom["solution"] and r["prompt"] != atom["prompt"]
        assert r["meta"]["change"]


def test_atom_translate_gives_the_prompt_in_the_other_language(loaded: Any, tmp_path: Path) -> None:
    records = _export(tmp_path, "--source", "atom_translate")
    assert len(records) == 100
    assert all(r["lang"] != r["meta"]["translated_from"] for r in records)
    only_en = _export(tmp_path, "--source", "atom_translate", "--lang", "en")
    assert len(only_en) == sum(1 for r in records if r["lang"] == "en")


def test_invalid_atoms_are_left_out_unless_asked(loaded: Any, tmp_path: Path) -> None:
    Atom.objects.filter(slug="rotate_left").update(status=ValidationStatus.INVALID)
    assert len(_export(tmp_path, "--source", "atom_base")) == 99
    assert len(_export(tmp_path, "--source", "atom_base", "--include-invalid")) == 100


def test_a_bad_source_is_refused(loaded: Any, tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=r"unknown source .atoms.; available: atom_base, atom_modify, atom_translate"
    ):
        call_command("export_problems", "--source", "atoms", "--out", str(tmp_path / "x"))
