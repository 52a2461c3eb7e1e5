"""``manage.py validate_atoms [SLUG ...] [--pending] [--queue]``: judge atoms in the sandbox."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.atoms.models import Atom, ValidationStatus
from webapp.atoms.services import atoms_validate, atoms_validate_enqueue
from webapp.core.models import BackgroundJob


class Command(BaseCommand):
    help = (
        "Validate atoms: each reference (and its modified variant) must pass all of its own cases in "
        "the sandbox and match its declared signature. Runs here, or with --queue as a Celery job."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="only these atoms (default: all)")
        parser.add_argument("--pending", action="store_true", help="only atoms not validated yet")
        parser.add_argument(
            "--queue", action="store_true", help="run as a job on the cpu queue and follow its progress"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        atoms = Atom.objects.order_by("topic", "slug")
        if opts["slugs"]:
            atoms = atoms.filter(slug__in=opts["slugs"])
            missing = set(opts["slugs"]) - set(atoms.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"no such atom: {', '.join(sorted(missing))}")
        if opts["pending"]:
            atoms = atoms.filter(status=ValidationStatus.UNVALIDATED)
        if opts["queue"]:
            self._follow(atoms_validate_enqueue(by=None, slugs=list(atoms.values_list("slug", flat=True))))
            return
        counts = atoms_validate(
            atoms=atoms, on_progress=lambda done, total: self.stdout.write(f"  {done}/{total} atoms judged")
        )
        self._report(counts)

    def _follow(self, job: BackgroundJob) -> None:
        self.stdout.write(f"job {job.pk} queued on cpu")
        last = -1
        while True:
            job.refresh_from_db()
            if job.done != last:
                self.stdout.write(f"  {job.done}/{job.total} {job.message}")
                last = job.done
            if job.finished:
                break
            time.sleep(0.5)
        if job.error:
            raise CommandError(f"job {job.pk} failed: {job.error}")
        self._report(job.result)

    def _report(self, counts: dict[str, Any]) -> None:
        self.stdout.write(
            f"validate_atoms: {counts.get('valid', 0)} valid, {counts.get('invalid', 0)} invalid"
        )
        for atom in Atom.objects.filter(status=ValidationStatus.INVALID).order_by("slug"):
            problems = atom.verdict.get("problems") or []
            ref = atom.verdict.get("reference") or {}
            mod = atom.verdict.get("modify") or {}
            why = "; ".join(problems) or f"reference {ref.get('verdict')}, modified {mod.get('verdict')}"
            self.stdout.write(f"  invalid: {atom.slug}: {why}")
