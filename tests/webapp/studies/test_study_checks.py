"""A study is checked whole when it is created (method configs, protocols, sources and pools,
refused with the arm and the field on the page and by ``run_study``), and an exception while
advancing is retried with back-off, then stalls the study with the error until it is retried."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from webapp.studies import services
from webapp.studies.models import Study, StudyStatus
from webapp.studies.services import ADVANCE_ATTEMPTS, StudyRefused, study_advance, study_create, study_retry


def _edits(template: str) -> dict[str, tuple[str, str]]:
    """Name -> (the template with one mistake, what the refusal must say)."""
    return {
        "k above n": (
            template.replace("k: [1, 2]", "k: [1, 5]"),
            "arms.sft.protocol.k: every k must be at most n (2)",
        ),
        "unknown config key": (
            template.replace("save_steps: 2}", "save_steps: 2, warmup: 3}", 1),
            "arms.sft.hyper.warmup: unknown field for sft",
        ),
        "negative learning rate": (
            template.replace("learning_rate: 0.0001", "learning_rate: -0.0001"),
            "arms.rl.hyper.learning_rate: must be > 0",
        ),
        "unknown source": (
            template.replace("source: atom_base", "source: atom_bsae"),
            "evals.atoms.sources[0].source: unknown source 'atom_bsae'",
        ),
        "unknown pool": (
            template.replace("source: atom_base", 'source: "composite:Z"'),
            "evals.atoms.sources[0].source: composite pool 'Z' is not declared under pools",
        ),
    }


@pytest.mark.parametrize(
    "mistake", ["k above n", "unknown config key", "negative learning rate", "unknown source", "unknown pool"]
)
def test_an_invalid_study_is_refused_at_creation_naming_the_arm_and_the_field(
    researcher: Any, template: str, mistake: str
) -> None:
    text, says = _edits(template)[mistake]
    assert text != template
    with pytest.raises(StudyRefused) as refused:
        study_create(by=researcher, template="t", text=text, scale="tiny", advance=False)
    assert says in str(refused.value)
    assert not Study.objects.exists()


def test_the_new_study_page_and_run_study_refuse_an_invalid_study_with_the_same_message(
    researcher: Any, client: Any, template: str, tmp_path: Path
) -> None:
    text, says = _edits(template)["k above n"]
    client.force_login(researcher)
    response = client.post(
        "/studies/new/", {"template": "sft_vs_rl", "scale": "tiny", "text": text, "name": "", "seeds": ""}
    )
    assert response.status_code == 400 and says in response.content.decode()
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("run_study", str(path), "--scale", "tiny", "--user", researcher.username, stderr=err)
    assert exit_.value.code == 2 and says in err.getvalue()
    assert not Study.objects.exists()


def test_an_exception_while_advancing_is_retried_with_back_off_then_stalls_the_study_until_retried(
    researcher: Any, template: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.atoms.services import library_load

    library_load()
    study = study_create(by=researcher, template="t", text=template, scale="tiny", advance=False)
    calls = []

    def broken(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        raise RuntimeError("the snapshot disk is full")

    monkeypatch.setattr(services, "_freeze", broken)
    assert study_advance(study.pk) == StudyStatus.PREPARING
    study.refresh_from_db()
    assert (study.advance_attempts, len(calls)) == (1, 1) and "disk is full" in study.error
    assert study.advance_retry_at is not None and study.advance_retry_at > timezone.now()
    assert study_advance(study.pk) == StudyStatus.PREPARING and len(calls) == 1  # backing off
    for _ in range(ADVANCE_ATTEMPTS + 3):  # the back-off elapses each time
        Study.objects.filter(pk=study.pk).update(advance_retry_at=None)
        study_advance(study.pk)
    study.refresh_from_db()
    assert len(calls) == ADVANCE_ATTEMPTS and study.status == StudyStatus.STALLED
    assert study.error == "RuntimeError: the snapshot disk is full" and not study.snapshots.exists()

    out = io.StringIO()
    call_command("study_status", str(study.pk), "--json", stdout=out)
    state = json.loads(out.getvalue())
    assert (state["status"], state["error"]) == ("stalled", "RuntimeError: the snapshot disk is full")
    client.force_login(researcher)
    page = client.get(f"/studies/{study.pk}/").content.decode()
    assert (
        'data-status="stalled"' in page and "the snapshot disk is full" in page and 'id="study-retry"' in page
    )

    monkeypatch.undo()
    client.post(f"/studies/{study.pk}/retry")
    study.refresh_from_db()
    assert (study.status, study.advance_attempts, study.error) == (StudyStatus.PREPARING, 0, "")
    assert study_advance(study.pk) == StudyStatus.RUNNING and study.snapshots.count() == 2


def test_only_the_owner_or_an_admin_retries_a_stalled_study(
    researcher: Any, admin_user: Any, template: str
) -> None:
    from tests.factories import UserFactory
    from webapp.core.access import Refused

    study = study_create(by=researcher, template="t", text=template, scale="tiny", advance=False)
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.STALLED, advance_attempts=ADVANCE_ATTEMPTS)
    study.refresh_from_db()
    with pytest.raises(Refused):
        study_retry(study=study, by=UserFactory(username="otto", role="researcher"))
    study_retry(study=study, by=admin_user)
    study.refresh_from_db()
    assert study.status == StudyStatus.PREPARING and study.advance_attempts == 0
    with pytest.raises(StudyRefused):
        study_retry(study=study, by=researcher)  # nothing to retry now
