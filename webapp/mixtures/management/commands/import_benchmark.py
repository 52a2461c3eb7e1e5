"""``manage.py import_benchmark NAME FILE [--replace]``: a HumanEval-format benchmark as
source ``benchmark:NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.mixtures.services import BenchmarkImportError, benchmark_import


class Command(BaseCommand):
    help = (
        "Import a HumanEval-format JSONL or JSONL.gz (task_id, prompt, canonical_solution, test, "
        "entry_point) as the eval source benchmark:NAME. A bad line is reported with its number "
        "and nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="lowercase name, e.g. humaneval")
        parser.add_argument("file", help="path to the .jsonl or .jsonl.gz file")
        parser.add_argument("--replace", action="store_true", help="overwrite a benchmark of this name")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            with stream:  # read line by line, never whole
                benchmark = benchmark_import(
                    name=opts["name"], data=stream, by=None, file_name=path.name, replace=opts["replace"]
                )
        except BenchmarkImportError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        self.stdout.write(
            f"import_benchmark: {benchmark.problem_count} problems as benchmark:{benchmark.name}"
        )
