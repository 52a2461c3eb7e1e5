"""Every POST address, tried as anonymous, a viewer, a researcher who does not own the
object, its owner and an admin, answers as the access table (``webapp.core.access_table``)
says; an address missing from the table fails.

Each try gets a fresh object owned by Alice (the owner), so one persona's allowed action
never hides the next one's answer. A refused try must leave the object's row as it was.
An allowed try must not be refused (nor miss its object): what it then does (a form error
for an empty post, a job queued on commit, which a test transaction never reaches) is the
business of each page's own tests. No Celery worker is needed."""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from webapp.accounts.models import User
from webapp.core.access_table import ACCESS_TABLE, OWN_CHECKS, Who, allowed_personas
from webapp.core.models import JobStatus

PERSONAS = ("anonymous", "viewer", "researcher (not the owner)", "owner", "admin")


# --- finding the POST addresses ------------------------------------------------------------


def _patterns() -> list[tuple[str, Any]]:
    """(URL name, pattern) for every route, less the namespaces with checks of their own."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in OWN_CHECKS:
                    continue
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern):
                found.append((namespace + (p.name or f"<unnamed {p.pattern}>"), p))

    walk(get_resolver().url_patterns)
    return found


def _dummy_url(name: str, pattern: Any) -> str:
    """Any URL the pattern matches (its object need not exist: a POST a view refuses by
    method is refused before the object is looked up)."""
    converters = getattr(pattern.pattern, "converters", {})
    if converters:
        kwargs = {k: 1 if isinstance(c, IntConverter) else "x" for k, c in converters.items()}
        return reverse(name, kwargs=kwargs)
    groups = list(pattern.pattern.regex.groupindex)
    for values in itertools.product(["1", "abcd", "jsonl", "x"], repeat=len(groups)):
        try:
            return reverse(name, kwargs=dict(zip(groups, values, strict=True)))
        except NoReverseMatch:  # this guess does not match the regex; try the next
            continue
    raise AssertionError(f"no URL found for {name}")


def post_addresses() -> set[str]:
    """URL names whose view accepts POST: a viewer's POST gets anything but 405. (A viewer
    may write nothing, so probing changes nothing.)"""
    viewer = _person(f"probe-{_unique()}", "viewer")
    names = set()
    for name, pattern in _patterns():
        client = Client()
        client.force_login(viewer)
        if client.post(_dummy_url(name, pattern)).status_code != 405:
            names.add(name)
    return names


# --- a fresh object per try --------------------------------------------------------------


@dataclass
class Target:
    """What one try posts: the URL's kwargs, the body, the row that a refusal must leave
    alone, and extra headers."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    watched: Model | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _unique() -> str:
    return uuid.uuid4().hex[:8]


def _person(username: str, role: str) -> Any:
    """A user without a password (tries log in with ``force_login``; hashing one costs
    a noticeable part of a second per user)."""
    return User.objects.create(username=username, role=role)


def _snapshot(owner: Any) -> Any:
    from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot

    mixture = Mixture.objects.create(name=f"m-{_unique()}", created_by=owner)
    version = MixtureVersion.objects.create(mixture=mixture, number=1)
    sha = uuid.uuid4().hex * 2
    return Snapshot.objects.create(
        version=version, sha256=sha, recipe={}, path=f"snapshots/{sha}.jsonl", size_bytes=0, rows=0
    )


def _training_run(owner: Any, status: str = JobStatus.RUNNING) -> Any:
    from webapp.training.models import TrainingRun

    return TrainingRun.objects.create(
        method="sft", model="default", train_snapshot=_snapshot(owner), created_by=owner, status=status
    )


def _eval_run(owner: Any, status: str = JobStatus.RUNNING) -> Any:
    from webapp.evaluation.models import EvalRun

    return EvalRun.objects.create(model="default", protocol={}, created_by=owner, status=status)


def _play_request(owner: Any) -> Any:
    from webapp.playground.models import PlaygroundRequest

    return PlaygroundRequest.objects.create(
        prompt="p", model="default", n=1, temperature=0, max_new_tokens=8, created_by=owner,
        status=JobStatus.RUNNING, phase="judging",
    )  # fmt: skip


def _study(owner: Any) -> Any:
    """A running study of Alice's: one arm training, one evaluating, the base evaluation
    running, and one blocked arm (what Resume acts on)."""
    from webapp.studies.design import template_text
    from webapp.studies.models import Study, StudyStatus, StudyUnit

    study = Study.objects.create(
        name="alice's", template="sft_vs_rl", template_text=template_text("sft_vs_rl"), scale="tiny",
        status=StudyStatus.RUNNING, created_by=owner, base_eval=_eval_run(owner),
    )  # fmt: skip
    StudyUnit.objects.create(study=study, arm="sft", order=0, training_run=_training_run(owner))
    done = _training_run(owner, status=JobStatus.SUCCEEDED)
    StudyUnit.objects.create(
        study=study, arm="rl_from_sft", order=1, training_run=done, eval_run=_eval_run(owner)
    )
    StudyUnit.objects.create(study=study, arm="rl_from_scratch", order=2, blocked="its launch was refused")
    return study


def _stalled_study(owner: Any) -> Any:
    """Alice's study stalled by errors while advancing (what Retry acts on)."""
    from webapp.studies.models import Study, StudyStatus

    study = _study(owner)
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.STALLED, advance_attempts=5, error="boom")
    study.refresh_from_db()
    return study


def _atom() -> Any:
    from webapp.atoms.library import load_library
    from webapp.atoms.models import Atom
    from webapp.atoms.services import library_load

    spec = load_library()[0]
    library_load(specs=[spec])
    return Atom.objects.get(slug=spec.slug)


def _decision(owner: Any) -> Target:
    """A decision the owner just made in the review queue (what Undo takes back)."""
    from webapp.atoms.services import atom_review

    atom = _atom()
    review = atom_review(atom=atom, state="approved", by=owner)
    return Target({"slug": atom.slug, "review_id": review.pk}, watched=atom)


def _generation(owner: Any) -> Any:
    from webapp.evaluation.models import Generation

    run = _eval_run(owner, status=JobStatus.SUCCEEDED)
    return Generation.objects.create(
        run=run, snapshot=_snapshot(owner), task_id="t/1", sample_index=0, prompt="p", completion="c"
    )


def _job(owner: Any) -> Any:
    from webapp.core.models import BackgroundJob

    return BackgroundJob.objects.create(kind="atoms.validate", created_by=owner)


def _benchmark(owner: Any) -> Any:
    from webapp.mixtures.models import Benchmark

    return Benchmark.objects.create(name=f"b-{_unique()}", created_by=owner)


def _mixture(owner: Any) -> Any:
    from webapp.mixtures.models import Mixture, MixtureVersion

    mixture = Mixture.objects.create(name=f"m-{_unique()}", created_by=owner)
    MixtureVersion.objects.create(mixture=mixture, number=1)
    return mixture


def _owned(make: Callable[[Any], Any], kwarg: str, attr: str = "pk", **data: str) -> Callable[[Any], Target]:
    """A scene of one object ``make(owner)`` named in the URL by ``kwarg`` (its ``attr``)."""

    def build(owner: Any) -> Target:
        obj = make(owner)
        return Target({kwarg: getattr(obj, attr)}, data, watched=obj)

    return build


def _unit_target(owner: Any) -> Target:
    study = _study(owner)
    unit = study.units.get(arm="rl_from_scratch")
    return Target({"study_id": study.pk, "unit_id": unit.pk}, watched=unit)


def _user(owner: Any) -> Any:
    return _person(f"carl-{_unique()}", "viewer")


def _nothing(owner: Any) -> Target:
    return Target()


#: URL name → how to build its object for one try (owned by ``owner`` where it has one).
SCENES: dict[str, Callable[[Any], Target]] = {
    "login": _nothing,
    "logout": _nothing,
    "users": _nothing,
    "user-role": _owned(_user, "user_id", role="viewer"),
    "user-active": _owned(_user, "user_id", active="1"),
    "atom-new": _nothing,
    "atom-edit": _owned(lambda owner: _atom(), "slug", "slug"),
    "atom-validate": _owned(lambda owner: _atom(), "slug", "slug"),
    "atom-annotate": _owned(lambda owner: _atom(), "slug", "slug"),
    "atom-review": _owned(lambda owner: _atom(), "slug", "slug", state="approved"),
    "atom-review-decide": _owned(lambda owner: _atom(), "slug", "slug", state="approved"),
    "atom-review-undo": _decision,
    "atom-bulk": _nothing,
    "atom-import": _nothing,
    "atoms-validate-all": _nothing,
    "atoms-load-library": _nothing,
    "synthesize": _nothing,
    "mixture-new": _nothing,
    "mixture-preview": lambda owner: Target(headers={"HX-Request": "true"}),
    "mixture-save": _owned(_mixture, "mixture_id"),
    "mixture-freeze": _owned(_mixture, "mixture_id"),
    "benchmarks": _nothing,
    "benchmark-delete": _owned(_benchmark, "name", "name"),
    "health-roundtrip": _nothing,
    "job-cancel": _owned(_job, "job_id"),
    "run-launch": _nothing,
    "run-cancel": _owned(_training_run, "run_id"),
    "run-resume": _owned(lambda owner: _training_run(owner, status=JobStatus.FAILED), "run_id"),
    "run-labels": _owned(_training_run, "run_id", tags="baseline", group="g1", note="n"),
    "eval-launch": _nothing,
    "eval-cancel": _owned(_eval_run, "run_id"),
    "eval-rescore": _owned(lambda owner: _eval_run(owner, status=JobStatus.SUCCEEDED), "run_id"),
    "eval-labels": _owned(_eval_run, "run_id", tags="baseline", group="g1", note="n"),
    "eval-generation-review": _owned(_generation, "generation_id", label="flaky"),
    "study-new": _nothing,
    "study-validate": lambda owner: Target(data={"text": "name: [unclosed", "scale": "tiny"}),
    "study-cancel": _owned(_study, "study_id"),
    "study-unit-resume": _unit_target,
    "study-retry": _owned(_stalled_study, "study_id"),
    "playground": _nothing,
    "playground-cancel": _owned(_play_request, "request_id"),
}


# --- the tries -----------------------------------------------------------------------------


@pytest.fixture
def cast(db: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The five personas (anonymous is None); Alice owns every object."""
    from webapp.core import services

    # The queue round trip waits up to 5 s for workers this test does not start; with no
    # queues to ping it answers at once, after the same access check.
    monkeypatch.setattr(services, "PING_TASKS", {})
    alice = _person("alice", "researcher")
    return {
        "anonymous": None,
        "viewer": _person("vera", "viewer"),
        "researcher (not the owner)": _person("bob", "researcher"),
        "owner": alice,
        "admin": _person("ada", "admin"),
    }


def _row(obj: Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def refused(response: Any, persona: str) -> bool:
    """Anonymous is sent to the login page (with ``next``); a user gets the 403 page."""
    if persona == "anonymous" and response.status_code == 302:
        return str(response["Location"]).startswith(reverse("login") + "?next=")
    return bool(response.status_code == 403)


def test_every_post_address_has_a_line_in_the_access_table(db: Any) -> None:
    found = post_addresses()
    assert found - set(ACCESS_TABLE) == set(), "POST addresses with no line in webapp/core/access_table.py"
    assert set(ACCESS_TABLE) - found == set(), "lines in the access table for no POST address"
    assert {"study-cancel", "run-cancel", "eval-rescore", "eval-generation-review"} <= found


def test_every_address_in_the_table_has_a_scene_here() -> None:
    assert set(ACCESS_TABLE) - set(SCENES) == set()


@pytest.mark.parametrize("name", sorted(ACCESS_TABLE))
def test_post_address_answers_each_persona_as_the_access_table_says(cast: dict[str, Any], name: str) -> None:
    rule = ACCESS_TABLE[name]
    for persona in PERSONAS:
        target = SCENES[name](cast["owner"])
        before = _row(target.watched)
        client = Client()
        if cast[persona] is not None:
            client.force_login(cast[persona])
        response = client.post(reverse(name, kwargs=target.kwargs), target.data, headers=target.headers)
        if persona in allowed_personas(rule.who):
            assert not refused(response, persona), f"{name} refused {persona}: {response.status_code}"
            assert response.status_code not in (404, 405), f"{name} as {persona}: {response.status_code}"
        else:
            assert refused(response, persona), f"{name} let {persona} through: {response.status_code}"
            assert _row(target.watched) == before, f"{name} refused {persona} but changed the row"


def test_owner_only_refusals_say_why(cast: dict[str, Any]) -> None:
    bob = Client()
    bob.force_login(cast["researcher (not the owner)"])
    for name, rule in ACCESS_TABLE.items():
        if rule.who != Who.OWNER:
            continue
        target = SCENES[name](cast["owner"])
        response = bob.post(reverse(name, kwargs=target.kwargs), target.data)
        assert response.status_code == 403
        assert "Only its owner or an admin can" in response.content.decode(), name


# --- Bob and Alice's study -----------------------------------------------------------------


def test_bob_cannot_cancel_alices_study_and_it_goes_on(
    cast: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from webapp.studies.models import Study, StudyStatus

    study = _study(cast["owner"])
    jobs = [u.training_run for u in study.units.all() if u.training_run] + [
        u.eval_run for u in study.units.all() if u.eval_run
    ]
    before = {(type(j).__name__, j.pk): _row(j) for j in [*jobs, study.base_eval]}
    bob = Client()
    bob.force_login(cast["researcher (not the owner)"])
    with caplog.at_level(logging.INFO):
        response = bob.post(reverse("study-cancel", args=[study.pk]))

    assert response.status_code == 403
    assert "Only its owner or an admin can cancel this study." in response.content.decode()
    assert Study.objects.get(pk=study.pk).status == StudyStatus.RUNNING
    assert {k: _row(j) for k, j in zip(before, [*jobs, study.base_eval], strict=True)} == before
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1, [r.getMessage() for r in refusals]
    line = refusals[0]
    assert line.name == "atomlab.access"
    assert line.exc_info is None
    assert "user=bob" in line.getMessage()
    assert "action=cancel this study" in line.getMessage()
    assert f"object=study {study.pk}" in line.getMessage()


def test_alice_cancels_her_study_with_its_runs_and_evaluations(cast: dict[str, Any]) -> None:
    from webapp.studies.models import Study, StudyStatus

    study = _study(cast["owner"])
    alice = Client()
    alice.force_login(cast["owner"])
    response = alice.post(reverse("study-cancel", args=[study.pk]))

    assert response.status_code == 302
    assert Study.objects.get(pk=study.pk).status == StudyStatus.CANCELLED
    sft = study.units.get(arm="sft").training_run
    sft.refresh_from_db()
    assert sft.cancel_requested
    rl_eval = study.units.get(arm="rl_from_sft").eval_run
    rl_eval.refresh_from_db()
    assert rl_eval.cancel_requested
    study.base_eval.refresh_from_db()
    assert study.base_eval.cancel_requested


def test_any_researcher_labels_anyones_generation(cast: dict[str, Any]) -> None:
    generation = _generation(cast["owner"])
    bob = Client()
    bob.force_login(cast["researcher (not the owner)"])
    bob.post(reverse("eval-generation-review", args=[generation.pk]), {"label": "flaky"})

    generation.refresh_from_db()
    assert generation.review_label == "flaky"
    assert generation.reviewed_by == cast["researcher (not the owner)"]


def test_study_page_shows_cancel_to_its_owner_and_not_to_another_researcher(cast: dict[str, Any]) -> None:
    study = _study(cast["owner"])
    pages = {}
    for persona in ("owner", "researcher (not the owner)", "admin"):
        client = Client()
        client.force_login(cast[persona])
        pages[persona] = client.get(reverse("study", args=[study.pk])).content.decode()

    assert "Cancel study" in pages["owner"]
    assert "Resume this arm" in pages["owner"]
    assert "Cancel study" in pages["admin"]
    assert "Cancel study" not in pages["researcher (not the owner)"]
    assert "Resume this arm" not in pages["researcher (not the owner)"]
