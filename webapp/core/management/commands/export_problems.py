"""``manage.py export_problems --source NAME [--lang en|zh] --out FILE``: problem records as JSONL.

``NAME`` is any registered source (``atom_base``, ``atom_modify``, ``atom_translate``,
``composite:<pool>``, ``benchmark:<name>``); ``--snapshot HASH`` exports a frozen snapshot.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.core.problems import UnknownSource, problem_records


class Command(BaseCommand):
    help = "Write problem records (DESIGN.md format) of one source as JSONL, one record per line."

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--source", help="atom_base, atom_modify, atom_translate, composite:A, ...")
        source.add_argument("--snapshot", help="a frozen snapshot's SHA-256 (or a unique prefix of it)")
        parser.add_argument("--lang", choices=("en", "zh"), default=None, help="prompt language (default en)")
        parser.add_argument("--out", required=True, help="output file, or - for stdout")
        parser.add_argument(
            "--include-invalid", action="store_true", help="keep items that failed validation"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["source"] or f"snapshot:{opts['snapshot']}"
        try:
            records = problem_records(name, lang=opts["lang"], include_invalid=opts["include_invalid"])
        except (UnknownSource, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        out = opts["out"]
        try:
            to_file = out != "-"
            opened = Path(out).open("w", encoding="utf-8") if to_file else contextlib.nullcontext(sys.stdout)  # noqa: SIM115
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
            except (UnknownSource, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        self.stderr.write(f"export_problems: {count} records from {name} to {out}")
