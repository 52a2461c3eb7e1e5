"""``manage.py rescore EVAL_ID [--in-process]``: judge an evaluation's stored generations
again, against the tests the problems' sources hold now, without generating."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from webapp.evaluation.models import EvalRun
from webapp.evaluation.services import evalrun_judge, evalrun_rescore

from ._follow import follow, print_scores


class Command(BaseCommand):
    help = "Re-judge an evaluation's stored generations against the current tests (no generation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("eval_id", type=int)
        parser.add_argument(
            "--in-process", action="store_true", help="judge here instead of on the cpu queue"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        run = EvalRun.objects.filter(pk=opts["eval_id"]).first()
        if run is None:
            raise CommandError(f"no evaluation {opts['eval_id']}")
        try:
            with transaction.atomic():
                run = evalrun_rescore(run=run, by=None, enqueue=not opts["in_process"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["in_process"]:
            evalrun_judge(run_pk=run.pk, current=True)
        else:
            self.stdout.write(f"evaluation {run.pk} queued for re-scoring on cpu")
        run = follow(self.stdout, run)
        if run.error:
            raise CommandError(f"evaluation {run.pk} failed: {run.error}")
        print_scores(self.stdout, run)
