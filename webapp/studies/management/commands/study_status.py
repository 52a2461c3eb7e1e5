"""``manage.py study_status ID [--json]``: a study's arms, states, table and summary."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.studies.management.commands.run_study import print_table
from webapp.studies.models import Study
from webapp.studies.selectors import study_state


class Command(BaseCommand):
    help = "Print a study's state: each arm and seed, the table with intervals, the summary, the files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("study_id", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        study = Study.objects.filter(pk=opts["study_id"]).first()
        if study is None:
            raise CommandError(f"no study {opts['study_id']}")
        state = study_state(study)
        if opts["json"]:
            self.stdout.write(json.dumps(state, indent=2))
        else:
            print_table(self.stdout.write, state)
