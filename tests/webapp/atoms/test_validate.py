"""Validation in the sandbox: the command, the statuses and verdicts it saves, and the Celery
job on the real cpu worker with its progress."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from webapp.atoms.models import Atom, AtomVariant, ValidationStatus
from webapp.atoms.services import atom_content, atom_update, atoms_validate_enqueue, library_load
from webapp.core.models import BackgroundJob, JobStatus


def _edit(slug: str, user: Any, **changes: Any) -> Atom:
    atom = Atom.objects.get(slug=slug)
    content = atom_content(atom)
    for key, value in changes.items():
        if key.startswith("modify_"):
            content["modify"] = {**content["modify"], key.removeprefix("modify_"): value}
        else:
            content[key] = value
    atom_update(atom=atom, content=content, by=user)
    return atom


def test_validate_atoms_marks_the_whole_library_valid(loaded: Any) -> None:
    out = StringIO()
    call_command("validate_atoms", stdout=out)
    assert "validate_atoms: 100 valid, 0 invalid" in out.getvalue()
    assert "100/100 atoms judged" in out.getvalue()
    assert Atom.objects.filter(status=ValidationStatus.VALID).count() == 100
    assert AtomVariant.objects.filter(status=ValidationStatus.VALID).count() == 100
    verdict = Atom.objects.get(slug="rotate_left").verdict
    assert verdict["ok"] and verdict["reference"]["verdict"] == "passed"
    assert verdict["reference"]["passed"] == verdict["reference"]["cases"] >= 6
    assert verdict["reference"]["isolation"].startswith("namespaces")


def test_a_wrong_reference_is_invalid_and_the_verdict_names_the_failing_case(
    loaded: Any, researcher: Any
) -> None:
    wrong = "def rotate_left(xs: list[int], k: int) -> list[int]:\n    return xs[k:] + xs[:k]\n"
    _edit("rotate_left", researcher, solution=wrong)
    out = StringIO()
    call_command("validate_atoms", "rotate_left", stdout=out)
    atom = Atom.objects.get(slug="rotate_left")
    assert atom.status == ValidationStatus.INVALID
    failed = atom.verdict["reference"]["failed"]
    assert {
        "args": [[1, 2, 3, 4, 5], 7],
        "expected": [3, 4, 5, 1, 2],
        "got": [1, 2, 3, 4, 5],
    }.items() <= failed[0].items()
    assert "invalid: rotate_left: reference failed" in out.getvalue()
    # the variant is still fine and says so
    assert atom.variants.get().status == ValidationStatus.VALID


def test_a_signature_that_does_not_match_the_code_is_invalid(loaded: Any, researcher: Any) -> None:
    _edit("rotate_left", researcher, returns="list[str]")
    call_command("validate_atoms", "rotate_left", stdout=StringIO())
    atom = Atom.objects.get(slug="rotate_left")
    assert atom.status == ValidationStatus.INVALID
    assert (
        "reference solution: the code's signature def rotate_left(xs: list[int], k: int) -> list[int] "
        "does not match the declared one def rotate_left(xs: list[int], k: int) -> list[str]"
    ) in atom.verdict["problems"]


def test_an_infinite_loop_in_a_variant_times_out_and_invalidates_the_atom(
    loaded: Any, researcher: Any
) -> None:
    _edit(
        "rotate_left",
        researcher,
        modify_solution="def rotate_left(xs: list[int], k: int) -> list[int]:\n    while True:\n        pass\n",  # noqa: E501
    )
    call_command("validate_atoms", "rotate_left", stdout=StringIO())
    atom = Atom.objects.get(slug="rotate_left")
    assert atom.status == ValidationStatus.INVALID
    assert atom.verdict["modify"]["verdict"] == "timeout"
    assert atom.variants.get().status == ValidationStatus.INVALID


def test_pending_only_judges_atoms_not_validated_yet(loaded: Any) -> None:
    call_command("validate_atoms", stdout=StringIO())
    out = StringIO()
    call_command("validate_atoms", "--pending", stdout=out)
    assert "0 valid, 0 invalid" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_validation_job_runs_on_the_cpu_worker_and_reports_progress(celery_workers: dict[str, str]) -> None:
    library_load()
    job = atoms_validate_enqueue(by=None)  # autocommit: the task is sent at once
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.done)
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"valid": 100, "invalid": 0}
    assert job.done == job.total == 100 and job.percent == 100
    assert Atom.objects.filter(status=ValidationStatus.VALID).count() == 100
    assert BackgroundJob.objects.get(pk=job.pk).heartbeat_at is not None
    assert any(0 < d < 100 for d in seen), seen  # the bar moved before the end


@pytest.mark.django_db(transaction=True)
def test_a_job_delivered_twice_runs_once(celery_workers: dict[str, str]) -> None:
    from webapp.atoms.tasks import validate_atoms_task

    library_load()
    job = atoms_validate_enqueue(by=None)
    for _ in range(200):
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.1)
    assert job.finished
    assert validate_atoms_task(job.pk) is None  # a redelivery finds the job claimed
