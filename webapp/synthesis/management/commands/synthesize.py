"""``manage.py synthesize --pools A=1000,B=300,C=300 --depth 2-3 --seed 0 [--queue]``.

Runs in this process with a progress line per sandbox batch, or with ``--queue`` as the
``cpu`` Celery job (the same job the browser form starts), following its progress until it
ends. Either way the run and its job are rows in the database; Ctrl-C on a queued run
cancels the job.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.core.jobs import job_cancel
from webapp.core.models import BackgroundJob, JobStatus
from webapp.synthesis.pipeline import Progress, SynthesisConfig
from webapp.synthesis.pipeline.params import parse_depth, parse_pools
from webapp.synthesis.services import run_create, run_execute


class Command(BaseCommand):
    help = "Synthesise composites from the atoms into disjoint pools, validated in the sandbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pools", default="A=1000,B=300,C=300", help="NAME=COUNT,... (default %(default)s)"
        )
        parser.add_argument(
            "--depth", default="2-3", help="atoms per composite, LOW-HIGH (default %(default)s)"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--cases", type=int, default=8, help="cases per composite, at least 6")
        parser.add_argument(
            "--disjoint-pairs", action="store_true", help="also keep ordered pairs of adjacent atoms apart"
        )
        parser.add_argument("--queue", action="store_true", help="run as the cpu Celery job and follow it")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            config = SynthesisConfig(
                pools=parse_pools(opts["pools"]),
                depth=parse_depth(opts["depth"]),
                seed=opts["seed"],
                cases=opts["cases"],
                disjoint_pairs=opts["disjoint_pairs"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        run = run_create(by=None, config=config, enqueue=opts["queue"])
        assert run.job_id is not None  # run_create always makes the job
        self.stdout.write(f"synthesis run {run.pk}, job {run.job_id}")
        if opts["queue"]:
            self._follow(run.job_id)
        else:
            run_execute(run=run, on_progress=self._line)
        job = BackgroundJob.objects.get(pk=run.job_id)
        self._summary(job)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job {job.pk} {job.status}: {job.error}")

    def _line(self, p: Progress) -> None:
        rejected = {
            k.removeprefix("rejected: "): v for k, v in p.counters.items() if k.startswith("rejected") and v
        }
        self.stdout.write(
            f"{p.done}/{p.total} valid  generated {p.counters['generated']}  {p.message}  rejected {rejected}"
        )

    def _follow(self, job_id: int) -> None:
        last = None
        try:
            while True:
                job = BackgroundJob.objects.get(pk=job_id)
                line = (job.status, job.done, job.message)
                if line != last:
                    self.stdout.write(f"{job.status}: {job.done}/{job.total} {job.message}")
                    last = line
                if job.finished:
                    return
                time.sleep(0.5)
        except KeyboardInterrupt:
            job_cancel(job=BackgroundJob.objects.get(pk=job_id))
            self.stdout.write("cancel requested")
            raise

    def _summary(self, job: BackgroundJob) -> None:
        result = job.result or {}
        self.stdout.write(f"job {job.pk}: {job.status}")
        for key, value in (result.get("counters") or {}).items():
            if value:
                self.stdout.write(f"  {key}: {value}")
        if result.get("stored"):
            self.stdout.write(f"  stored: {result['stored']} (library {result.get('library_version')})")
        if result.get("shortfall"):
            self.stdout.write(f"  shortfall: {result['shortfall']}")
