"""``manage.py launch_run``: what the launch form does, for scripts and CI.

The first line printed is the run id. With ``--wait`` the command follows the run and exits
0 when it succeeded, 1 when it failed or was cancelled; a refused launch exits 2 with the
reasons on stderr (one ``field: reason`` per line).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.accounts.models import Role, User
from webapp.core.models import JobStatus
from webapp.training.models import Method
from webapp.training.services import LaunchRefused, LaunchRequest, parse_set, run_launch


def command_user(username: str | None) -> User:
    """The user a command acts as: ``--user``, else the first active admin."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user
    user = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk").first()
    if user is None:
        raise CommandError("no admin user to act as; give --user NAME (or run manage.py create_admin)")
    return user


class Command(BaseCommand):
    help = "Launch a training run (the launch form's checks); print its id; --wait follows it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--method", required=True, choices=Method.values)
        parser.add_argument("--model", required=True, help="default | PATH | run:ID")
        parser.add_argument("--train-snapshot", required=True, help="snapshot hash (a unique prefix works)")
        parser.add_argument(
            "--eval-snapshot", default=None,
            help="snapshot hash checked for contamination (and evaluated on, with --eval-every)",
        )  # fmt: skip
        parser.add_argument(
            "--eval-every", type=int, default=None, metavar="N",
            help="evaluate the checkpoints at multiples of N steps and the last one on the eval snapshot",
        )  # fmt: skip
        parser.add_argument(
            "--eval-set", action="append", default=[], metavar="KEY=VALUE",
            help="a field of those evaluations' protocol (n, ks, temperature, max_new_tokens, seed …; "
            "default n=1 greedy)",
        )  # fmt: skip
        parser.add_argument("--max-steps", type=int, default=None)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--set", action="append", default=[], metavar="KEY=VALUE",
            help="a method config field (repeatable); VALUE is JSON when it parses, else text",
        )  # fmt: skip
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--contamination-override", default="", help="why to train on a contaminated snapshot"
        )
        parser.add_argument("--user", default=None, help="who launches (default: the first admin)")
        parser.add_argument("--wait", action="store_true", help="follow the run until it ends")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between checks with --wait")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = command_user(opts["user"])
        try:
            config = parse_set(opts["set"])
        except ValueError as exc:
            self._refuse({"set": str(exc)})
        try:
            eval_protocol = parse_set(opts["eval_set"])
        except ValueError as exc:
            self._refuse({"eval_set": str(exc)})
        if opts["max_steps"] is not None:
            config["max_steps"] = opts["max_steps"]
        request = LaunchRequest(
            method=opts["method"],
            model=opts["model"],
            train_snapshot=opts["train_snapshot"],
            eval_snapshot=opts["eval_snapshot"],
            eval_every=opts["eval_every"],
            eval_protocol=eval_protocol,
            seed=opts["seed"],
            config=config,
            name=opts["name"],
            contamination_override=opts["contamination_override"],
        )
        try:
            run = run_launch(by=user, request=request)
        except LaunchRefused as exc:
            self._refuse(exc.errors)
        self.stdout.write(str(run.pk))
        self.stdout.flush()
        if not opts["wait"]:
            return
        last = None
        while True:
            run.refresh_from_db()
            line = f"{run.status} step {run.step}"
            if line != last:
                self.stderr.write(line)
                last = line
            if run.finished:
                break
            time.sleep(opts["poll"])
        if run.status != JobStatus.SUCCEEDED:
            if run.error:
                self.stderr.write(run.error)
            sys.exit(1)

    def _refuse(self, errors: dict[str, str]) -> None:
        for name, reason in errors.items():
            self.stderr.write(f"refused: {name}: {reason}")
        sys.exit(2)
