"""``manage.py export_problems --source atom_base|atom_modify|atom_translate [--lang en|zh] --out FILE``."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.atoms.models import ValidationStatus
from webapp.atoms.problems import LANGS, SOURCES, atom_problems
from webapp.atoms.selectors import atom_list


class Command(BaseCommand):
    help = "Write atoms as problem records (JSONL, one per line) with the reference as solution."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, choices=SOURCES)
        parser.add_argument("--lang", choices=LANGS, default=None, help="prompt language (default en)")
        parser.add_argument("--out", required=True, help="output file, or - for stdout")
        parser.add_argument("--topic", default=None, help="only this topic")
        parser.add_argument(
            "--include-invalid", action="store_true", help="also export atoms whose validation failed"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        atoms = atom_list(topic=opts["topic"], include_invalid=opts["include_invalid"])
        skipped = (
            0
            if opts["include_invalid"]
            else atom_list(topic=opts["topic"], status=ValidationStatus.INVALID).count()
        )
        records = atom_problems(atoms, source=opts["source"], lang=opts["lang"])
        out = opts["out"]
        try:
            opened = (
                contextlib.nullcontext(sys.stdout) if out == "-" else Path(out).open("w", encoding="utf-8")  # noqa: SIM115  # entered below
            )
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}") from exc
        count = 0
        with opened as stream:
            try:
                for record in records:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    count += 1
            except BrokenPipeError:  # `| head`: the reader has what it wanted
                return
        note = f" ({skipped} invalid atoms left out; --include-invalid keeps them)" if skipped else ""
        self.stderr.write(f"export_problems: {count} records from {opts['source']} to {out}{note}")
