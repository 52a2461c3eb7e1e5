"""``manage.py run_status ID [--json]``: a run's state for scripts and CI."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.training.models import TrainingRun
from webapp.training.selectors import run_status


class Command(BaseCommand):
    help = "Print a run's status, step, last metrics, metric series (name: points) and checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int)
        parser.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        run = (
            TrainingRun.objects.select_related("train_snapshot", "eval_snapshot")
            .filter(pk=opts["id"])
            .first()
        )
        if run is None:
            raise CommandError(f"there is no run {opts['id']}")
        status = run_status(run=run)
        if opts["json"]:
            self.stdout.write(json.dumps(status, sort_keys=True))
            return
        self.stdout.write(f"run {run.pk}: {status['status']} at step {status['step']}")
        for name, value in sorted(status["last_metrics"].items()):
            self.stdout.write(f"  {name} = {value:g}")
        for uri in status["checkpoints"]:
            self.stdout.write(f"  checkpoint {uri}")
        if status["error"]:
            self.stdout.write(f"  error: {status['error']}")
