"""``manage.py run_study TEMPLATE --scale tiny|demo|full [--seeds N] [--wait] [--json]``, and
``--plan [--base-rate P]``: what the design can resolve, before anything is created."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.accounts.models import User
from webapp.core.protocol import ProtocolError
from webapp.studies.design import SCALES, DesignError, design_parse, template_text
from webapp.studies.models import Study
from webapp.studies.planning import study_plan
from webapp.studies.selectors import study_state
from webapp.studies.services import StudyRefused, study_advance, study_create


def command_user(name: str | None) -> User:
    """The account a command acts as: ``--user NAME``, else the first active admin."""
    users = User.objects.filter(is_active=True)
    user = (
        users.filter(username=name).first()
        if name
        else users.filter(is_superuser=True).order_by("pk").first()
    )
    if user is None:
        raise CommandError(f"no active user {name!r}" if name else "no admin yet: run manage.py create_admin")
    return user


def print_table(write: Any, state: dict[str, Any]) -> None:
    write(f"study {state['study']} {state['name']}: {state['status']} ({state['message']})")
    for unit in state["arms"]:
        extra = f" — {unit['blocked']}" if unit["blocked"] else ""
        if unit.get("training") and unit["training"]["text"]:
            extra += f" ({unit['training']['text']})"
        write(f"  {unit['arm']:<20} seed {unit['seed']}: {unit['state']}{extra}")
    if state["table"]:
        write(f"{'arm':<20} {'suite':<16} {'k':>3} {'pass@k':>7}  95% CI           seeds")
        for row in state["table"]:
            write(
                f"{row['arm']:<20} {row['suite']:<16} {row['k']:>3} {row['value']:7.3f}  "
                f"[{row['low']:.3f}, {row['high']:.3f}]  {row['seeds']}"
            )
    if state["summary"]:
        write(state["summary"])
    for key, path in state["files"].items():
        write(f"{key}: {path}")


def follow(study: Study, *, poll: float, timeout: float | None, write: Any) -> Study:
    """Advance the study until it ends (the command needs no beat), printing state changes."""
    last = ""
    started = time.monotonic()
    while True:
        study_advance(study.pk)
        study.refresh_from_db()
        if study.message != last:
            write(f"[{time.monotonic() - started:6.0f} s] {study.status}: {study.message}")
            last = study.message
        if study.finished or study.status == "stalled":
            return study
        if timeout is not None and time.monotonic() - started > timeout:
            raise CommandError(f"study {study.pk} did not finish within {timeout:.0f} s")
        time.sleep(poll)


class Command(BaseCommand):
    help = (
        "Create a study from a template (a shipped name or a YAML file) at a scale and launch it; "
        "with --wait follow it and print its table. Exit 0 when it succeeded, 1 when it failed or "
        "stalled, 2 when it was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("template", help="a shipped template name (e.g. sft_vs_rl) or a YAML file")
        parser.add_argument("--scale", choices=SCALES, default="tiny")
        parser.add_argument("--seeds", type=int, default=None, help="seeds per arm (default: the template's)")
        parser.add_argument("--name", default="")
        parser.add_argument("--user", default=None, help="act as this user (default: the first admin)")
        parser.add_argument("--contamination-override", default="", help="why a contaminated arm may train")
        parser.add_argument(
            "--plan",
            action="store_true",
            help="create nothing: print what each comparison on each suite can resolve, then exit",
        )
        parser.add_argument(
            "--base-rate",
            type=float,
            default=None,
            help="with --plan: the base pass rate to assume where no stored evaluation gives one",
        )
        parser.add_argument("--wait", action="store_true", help="follow the study until it ends")
        parser.add_argument("--json", action="store_true", help="print the final state as JSON")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between checks while waiting")
        parser.add_argument(
            "--timeout", type=float, default=None, help="give up waiting after this many seconds"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        ref = opts["template"]
        try:
            path = Path(ref)
            text = (
                path.read_text(encoding="utf-8")
                if path.suffix in (".yaml", ".yml", ".json")
                else template_text(ref)
            )
        except (OSError, DesignError) as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        if opts["plan"]:
            self.plan(text, opts)
            return
        user = command_user(opts["user"])
        try:
            study = study_create(
                by=user,
                template=Path(ref).stem,
                text=text,
                scale=opts["scale"],
                seeds=opts["seeds"],
                name=opts["name"],
                contamination_override=opts["contamination_override"],
            )
        except StudyRefused as exc:
            self.stderr.write(f"refused: {exc}")
            for d in exc.differences:
                self.stderr.write(f"  {d.key}: " + ", ".join(f"{a}={v!r}" for a, v in d.values.items()))
            sys.exit(2)
        self.stdout.write(str(study.pk))
        if not opts["wait"]:
            return
        study = follow(study, poll=opts["poll"], timeout=opts["timeout"], write=self.stderr.write)
        state = study_state(study)
        if opts["json"]:
            self.stdout.write(json.dumps(state, indent=2))
        else:
            print_table(self.stdout.write, state)
        sys.exit(0 if study.status == "succeeded" else 1)

    def plan(self, text: str, opts: dict[str, Any]) -> None:
        """``--plan``: the design's resolution per suite and comparison; creates nothing."""
        rate = opts["base_rate"]
        if rate is not None and not 0 <= rate <= 1:
            self.stderr.write(f"--base-rate must be between 0 and 1, not {rate}")
            sys.exit(2)
        try:
            design = design_parse(text, scale=opts["scale"], seeds=opts["seeds"])
            plan = study_plan(design, assumed_rate=rate)
        except (DesignError, ProtocolError) as exc:
            self.stderr.write(f"refused: {exc}")
            sys.exit(2)
        if opts["json"]:
            self.stdout.write(json.dumps(plan.as_dict(), indent=2))
        else:
            for line in plan.lines():
                self.stdout.write(line)
