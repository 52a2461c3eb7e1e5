"""``manage.py evaluate --model default|PATH|run:ID --snapshot HASH [--snapshot HASH …]
--n 10 --k 1,5,10 [--temperature T] [--max-new-tokens N] [--seed N] [--json]``: generate on
the ``gpu`` queue, judge on the ``cpu`` queue, wait, print the pass@k table."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.core.protocol import SAMPLING_TEMPERATURE, Protocol, ProtocolError
from webapp.evaluation.services import EvalRefused, evalrun_create
from webapp.mixtures.problems import snapshot_by_hash

from ._follow import follow, print_scores, scores_json

#: The command's defaults are the protocol's own (written once, in ``Protocol``).
DEFAULT = Protocol()


def _ks(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(k) for k in text.split(",") if k.strip())
    except ValueError:
        raise CommandError(f"--k: {text!r} is not a comma-separated list of numbers") from None


class Command(BaseCommand):
    help = "Evaluate a model on eval snapshots through Celery (gpu: generate, cpu: judge) and print pass@k."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="default, a local model folder, or run:ID")
        parser.add_argument(
            "--snapshot", action="append", required=True, help="snapshot hash (a unique prefix)"
        )
        parser.add_argument("--n", type=int, default=DEFAULT.n, help="samples per problem")
        parser.add_argument(
            "--k", default=",".join(map(str, DEFAULT.ks)), help="comma-separated k, each at most n"
        )
        parser.add_argument(
            "--temperature",
            type=float,
            default=None,
            help=f"default {SAMPLING_TEMPERATURE:g} (0 when n = 1)",
        )
        parser.add_argument("--top-p", type=float, default=DEFAULT.top_p)
        parser.add_argument("--max-new-tokens", type=int, default=DEFAULT.max_new_tokens)
        parser.add_argument("--seed", type=int, default=DEFAULT.seed)
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--timeout", type=float, default=None, help="stop waiting after this many seconds"
        )
        parser.add_argument(
            "--contamination-reason",
            default="",
            help="why to evaluate a run:ID on a suite it trained on (recorded; the scores are marked)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object: the run id and pass@k"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            snapshots = [snapshot_by_hash(h) for h in opts["snapshot"]]
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            protocol = Protocol.resolve(
                {
                    "n": opts["n"],
                    "ks": _ks(opts["k"]),
                    "temperature": opts["temperature"],
                    "top_p": opts["top_p"],
                    "max_new_tokens": opts["max_new_tokens"],
                    "seed": opts["seed"],
                }
            )
            run = evalrun_create(
                by=None,
                model=opts["model"],
                snapshots=snapshots,
                protocol=protocol,
                name=opts["name"],
                contamination_reason=opts["contamination_reason"],
            )
        except ProtocolError as exc:
            flag = {"ks": "k"}.get(exc.field, exc.field.replace("_", "-"))
            raise CommandError(f"--{flag}: {exc.message}") from None
        except EvalRefused as exc:
            # One line on stderr, exit 2: a refusal, as launch_run's.
            flags = {"snapshots": "snapshot", "contamination_reason": "contamination-reason"}
            self.stderr.write(
                "refused: " + "; ".join(f"--{flags.get(k, k)}: {v}" for k, v in exc.errors.items())
            )
            sys.exit(2)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not opts["json"]:
            self.stdout.write(f"evaluation {run.pk} queued: {protocol.describe()}")
        run = follow(self.stdout, run, timeout_s=opts["timeout"], quiet=opts["json"])
        if opts["json"]:
            self.stdout.write(json.dumps({**scores_json(run), "error": run.error}))
        else:
            print_scores(self.stdout, run)
        if run.error or not run.finished:
            raise CommandError(f"evaluation {run.pk} {run.status}: {run.error or 'still running'}")
