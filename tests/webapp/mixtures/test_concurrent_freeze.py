"""Three researchers press "Freeze" on one mixture at the same moment, through a real web
server (threaded runserver) and a prefork cpu worker of the test's own: every request
answers with its redirect, every job succeeds and the recipe gives one snapshot. On SQLite
(`make test`'s second pass) this is the "database is locked" case of issue 11."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.procs import wait_for
from tests.webapp.liveweb import live_web
from webapp.core.models import BackgroundJob, JobStatus
from webapp.mixtures.models import Snapshot
from webapp.mixtures.services import mixture_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_three_simultaneous_freezes_of_one_mixture_give_one_snapshot(
    loaded: Any, researcher: Any, stack: Any
) -> None:
    stack.start_worker(concurrency=2)
    mixture = mixture_create(name="race", by=researcher)
    recipe = [("seed", "3"), ("tokenizer", "whitespace")]
    for source, ratio in (("atom_modify", "300"), ("atom_base", "100")):
        recipe += [("source", source), ("ratio", ratio), ("lang", "en"), ("role", "train")]
    answers: list[tuple[int, str]] = []
    with live_web(researcher, env=stack.env) as web:
        gate = threading.Barrier(3)

        def press() -> None:
            gate.wait()
            answers.append(web.post_form(f"/datasets/mixtures/{mixture.pk}/freeze", recipe))

        threads = [threading.Thread(target=press) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert [status for status, _ in answers] == [302, 302, 302], [b[:300] for _, b in answers]

    def finished() -> list[BackgroundJob]:
        jobs = list(BackgroundJob.objects.filter(kind="mixtures.freeze"))
        return jobs if jobs and all(j.finished for j in jobs) else []

    jobs = wait_for(finished, 120, "the three freeze jobs to finish")
    assert len(jobs) == 3
    assert all(j.status == JobStatus.SUCCEEDED for j in jobs), [j.error for j in jobs]
    assert Snapshot.objects.count() == 1
    assert len({j.result["sha256"] for j in jobs}) == 1
