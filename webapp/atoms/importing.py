"""Import and export of atom records (:mod:`webapp.atoms.records`) as JSONL.

:func:`import_plan` reads an uploaded file and says, line by line, what importing it would
do: create a new atom, change an existing one (and which fields), leave one unchanged, or
reject the line and why. It writes nothing; ``services.atoms_import`` applies a plan. A
rejected line never stops the others: each good line is applied on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sandbox import jsonlimit
from webapp.atoms.checks import atom_problems
from webapp.atoms.content import ATOM_FIELDS, VARIANT_FIELDS, Content, content_diff
from webapp.atoms.models import Atom, AtomVariant, VariantKind
from webapp.atoms.records import RecordError, parse_record, record_line

#: Uploads above this are refused before parsing (the 100-atom library is ~250 KB).
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"


@dataclass
class PlanLine:
    """What importing one line would do."""

    number: int
    action: str
    slug: str = ""
    reason: str = ""  # why a line is rejected
    changes: list[str] = field(default_factory=list)  # fields an update changes
    problems: list[str] = field(default_factory=list)  # quality problems: imported, but invalid
    content: Content | None = None


@dataclass
class ImportPlan:
    """The dry run of one file."""

    lines: list[PlanLine]

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (Action.CREATE, Action.UPDATE, Action.UNCHANGED, Action.REJECT)}

    @property
    def rejected(self) -> list[PlanLine]:
        return [line for line in self.lines if line.action == Action.REJECT]

    @property
    def to_apply(self) -> list[PlanLine]:
        return [line for line in self.lines if line.action in (Action.CREATE, Action.UPDATE)]


def _existing_contents(slugs: list[str]) -> dict[str, tuple[Atom, Content]]:
    """Current content of the atoms named, in two queries (not two per atom)."""
    atoms = {a.slug: a for a in Atom.objects.filter(slug__in=slugs)}
    variants = {
        v.atom_id: v for v in AtomVariant.objects.filter(atom__slug__in=slugs, kind=VariantKind.MODIFY)
    }
    out = {}
    for slug, atom in atoms.items():
        content: Content = {name: getattr(atom, name) for name in ATOM_FIELDS}
        v = variants.get(atom.pk)
        content["modify"] = {name: getattr(v, name) for name in VARIANT_FIELDS} if v else {}
        out[slug] = (atom, content)
    return out


def upload_lines(stream: IO[bytes]) -> Iterator[str]:
    """The lines of an uploaded file as text, read one at a time (a file is never read
    whole); :class:`RecordError` once it passes :data:`MAX_IMPORT_BYTES` or for a line
    that is not UTF-8."""
    total = 0
    for number, raw in enumerate(iter(lambda: stream.readline(MAX_IMPORT_BYTES + 1), b""), start=1):
        total += len(raw)
        if total > MAX_IMPORT_BYTES:
            raise RecordError(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError(f"the file is not UTF-8 text (line {number}, byte {exc.start})") from exc


def import_plan(text: str | Iterable[str]) -> ImportPlan:
    """What importing ``text`` (JSONL, one record per line; blank lines are skipped), or its
    lines one by one, would do."""
    lines: list[PlanLine] = []
    parsed: list[tuple[PlanLine, Content]] = []
    seen: dict[str, int] = {}
    rows = text.splitlines() if isinstance(text, str) else text
    for number, raw in enumerate(rows, start=1):
        if not raw.strip():
            continue
        try:
            obj = jsonlimit.loads(raw, max_depth=jsonlimit.UPLOAD_MAX_DEPTH)
        except json.JSONDecodeError as exc:
            lines.append(
                PlanLine(number, Action.REJECT, reason=f"not valid JSON: column {exc.colno}: {exc.msg}")
            )
            continue
        slug = obj.get("slug", "") if isinstance(obj, dict) else ""
        slug = slug if isinstance(slug, str) else ""
        try:
            slug, content = parse_record(obj)
        except RecordError as exc:
            lines.append(PlanLine(number, Action.REJECT, slug=slug, reason=str(exc)))
            continue
        if slug in seen:
            lines.append(
                PlanLine(
                    number, Action.REJECT, slug=slug, reason=f"slug {slug!r} already on line {seen[slug]}"
                )
            )
            continue
        seen[slug] = number
        line = PlanLine(number, Action.CREATE, slug=slug, content=content)
        lines.append(line)
        parsed.append((line, content))
    existing = _existing_contents([line.slug for line, _ in parsed])
    for line, content in parsed:
        line.problems = [str(p) for p in atom_problems(content, slug=line.slug)]
        if line.slug in existing:
            changes = content_diff(existing[line.slug][1], content)
            line.action = Action.UPDATE if changes else Action.UNCHANGED
            line.changes = sorted(changes)
    return ImportPlan(lines=lines)


def export_lines(atoms: Iterator[Atom]) -> Iterator[str]:
    """JSONL lines (with newlines) for ``atoms``, which must have their variants prefetched."""
    for atom in atoms:
        content: Content = {name: getattr(atom, name) for name in ATOM_FIELDS}
        variant = next((v for v in atom.variants.all() if v.kind == VariantKind.MODIFY), None)
        content["modify"] = {name: getattr(variant, name) for name in VARIANT_FIELDS} if variant else {}
        yield record_line(atom.slug, content) + "\n"
