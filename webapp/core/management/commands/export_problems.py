"""``manage.py export_problems --source NAME [--lang en|zh] --out FILE``: problem records as JSONL.

``NAME`` is any registered source (``atom_base``, ``atom_modify``, ``atom_translate``,
``composite:<pool>``, ``benchmark:<name>``, ``prompt_translation:en2cn``); ``--snapshot HASH``
exports a frozen snapshot. Each line is a checked ``ProblemRecord``
(:func:`webapp.core.problems.record_json`). A record that fails its checks stops the export
with its source and task id; ``FILE`` is written to a temporary file and renamed into place
only when every record was valid, so it never holds part of an export.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from training_worker.contracts import ProblemRecord
from training_worker.storage import write_atomically
from webapp.core.problems import InvalidRecord, UnknownSource, problem_records, record_json


def _lines(records: Iterable[ProblemRecord], counted: list[int]) -> Iterator[str]:
    try:
        for record in records:
            yield json.dumps(record_json(record), ensure_ascii=False) + "\n"
            counted[0] += 1
    except OSError as exc:  # reading the source (a snapshot's file); writing errs in the caller
        raise CommandError(str(exc)) from exc


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
        out = opts["out"]
        counted = [0]
        try:
            records = problem_records(name, lang=opts["lang"], include_invalid=opts["include_invalid"])
            if out == "-":
                for line in _lines(records, counted):
                    sys.stdout.write(line)
                sys.stdout.flush()
            else:
                path = Path(out)
                write_atomically(path, (line.encode() for line in _lines(records, counted)))
                mask = os.umask(0)  # write_atomically's temporary file is private; give the
                os.umask(mask)  # export the mode a plain open() would have
                path.chmod(0o666 & ~mask)
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            return
        except InvalidRecord as exc:
            where = "" if out == "-" else f"; {out} was not written"
            raise CommandError(f"{exc} (after {counted[0]} valid records{where})") from exc
        except (UnknownSource, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}") from exc
        self.stderr.write(f"export_problems: {counted[0]} records from {name} to {out}")
