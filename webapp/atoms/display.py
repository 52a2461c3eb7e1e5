"""Turning atoms into what the pages show: highlighted code, line diffs, the case table with
each case's latest sandbox result. Pure functions of data; nothing is executed."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from webapp.atoms.content import content_diff


def as_json(value: Any) -> str:
    """Compact, readable JSON for a table cell."""
    return json.dumps(value, ensure_ascii=False)


def _as_lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [as_json(v) for v in value]  # cases, params: one per line diffs well
    return [as_json(value)]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "ctx", "hunk"
    text: str


def line_diff(old: Any, new: Any, *, context: int = 2) -> list[DiffLine]:
    """A unified diff of two values (text line by line, lists of objects item by item)."""
    out = []
    for line in difflib.unified_diff(_as_lines(old), _as_lines(new), lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        out.append(DiffLine(kind, line if kind == "hunk" else line[1:]))
    return out


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: list[DiffLine]


def changes_diff(changes: dict[str, list[Any]]) -> list[FieldDiff]:
    """A revision's ``changes`` (``{"field": [old, new]}``) as one diff per field."""
    return [FieldDiff(name, line_diff(old, new)) for name, (old, new) in sorted(changes.items())]


@dataclass(frozen=True)
class CaseRow:
    """One case as the table shows it, with its latest sandbox result (``None``: not run)."""

    index: int
    args: str
    expected: str
    result: str | None  # "passed", "failed" or None
    got: str = ""
    error: str = ""


def case_rows(cases: list[dict[str, Any]], summary: dict[str, Any] | None) -> list[CaseRow]:
    """The case table for one reference. ``summary`` is the verdict's ``reference`` (or
    ``modify``) part, which spells out failing cases only; the others passed."""
    failed = {f["index"]: f for f in (summary or {}).get("failed") or []}
    ran = summary is not None and summary.get("cases") == len(cases)
    rows = []
    for i, case in enumerate(cases):
        args, expected = as_json(case.get("args")), as_json(case.get("expected"))
        if not ran:
            rows.append(CaseRow(i, args, expected, None))
        elif i in failed:
            f = failed[i]
            got = "" if f.get("got") is None and f.get("error") else as_json(f.get("got"))
            rows.append(CaseRow(i, args, expected, "failed", got=got, error=f.get("error") or ""))
        else:
            rows.append(CaseRow(i, args, expected, "passed", got=expected))
    return rows


def verdict_line(summary: dict[str, Any] | None) -> str:
    """``"5 of 7 cases pass"``, ``"timeout: ..."`` or ``"not run"``."""
    if not summary:
        return "not run"
    line = f"{summary.get('passed', 0)} of {summary.get('cases', 0)} cases pass"
    if summary.get("verdict") not in ("passed", "failed"):
        line = f"{summary.get('verdict')}: {line}"
    if summary.get("error"):
        line += f" ({summary['error']})"
    return line


@dataclass(frozen=True)
class FieldConflict:
    """One field on which the saved version and the editor's differ, both in full."""

    field: str
    theirs: str
    yours: str


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else "\n".join(_as_lines(value))


def conflict_fields(theirs: dict[str, Any], yours: dict[str, Any]) -> list[FieldConflict]:
    """The fields that differ between the stored content (``theirs``, saved by someone else
    after the editor opened) and the editor's (``yours``), variant fields as ``modify.*``."""
    return [
        FieldConflict(name, _as_text(old), _as_text(new))
        for name, (old, new) in sorted(content_diff(theirs, yours).items())
    ]
