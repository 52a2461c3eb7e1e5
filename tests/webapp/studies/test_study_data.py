"""A study's data are its own: the composite pools it declares (in a namespace of their own,
synthesised here in the real sandbox), never whatever pools happen to be stored, so two
launches on fresh databases freeze the same snapshots; a second study with the same declared
pools reuses them by identity; the page and ``study_status --json`` list every snapshot."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from tests.factories import UserFactory
from webapp.studies.design import design_parse
from webapp.studies.models import Study, StudyStatus
from webapp.studies.selectors import study_data
from webapp.studies.services import study_advance, study_create
from webapp.synthesis.models import Composite, SynthesisRun
from webapp.synthesis.pipeline import SynthesisConfig
from webapp.synthesis.services import run_create, run_execute

#: Pools A = 6 and B = 3: SFT on modified atoms and pool A, evaluated on pool B.
POOLED = """
name: pooled
title: Pooled
factors: [method, init, hyper]
reference: sft
scales:
  tiny: {n: 2, a: 6, b: 3}
pools: {A: $a, B: $b}
shared:
  model: default
  train: data
  protocol: {n: $n, k: [1], temperature: 0.8, max_new_tokens: 16}
mixtures:
  data: {seed: 0, tokenizer: whitespace, sources: [{source: atom_modify, ratio: 4, role: train},
                                                   {source: "composite:A", ratio: 100, role: train}]}
evals:
  held_out: {seed: 0, tokenizer: whitespace, sources: [{source: "composite:B", ratio: 100, role: eval}]}
arms:
  sft: {method: sft, init: base, hyper: {max_steps: 2}}
  rl: {method: grpo, init: "arm:sft",
       hyper: {max_steps: 2, per_device_train_batch_size: 4, num_generations: 4}}
"""


def _launch(user: Any) -> Study:
    """Create the study, let it start its synthesis, run that in this process, and advance
    it until its snapshots are frozen."""
    study = study_create(by=user, template="pooled", text=POOLED, scale="tiny", advance=False)
    study_advance(study.pk)
    study.refresh_from_db()
    if study.status == StudyStatus.PREPARING:
        assert study.synthesis_run is not None and study.synthesis_run.isolated
        run_execute(run=study.synthesis_run)
        study_advance(study.pk)
        study.refresh_from_db()
    assert study.status == StudyStatus.RUNNING, (study.message, study.error)
    return study


def _hashes(study: Study) -> dict[str, str]:
    return {f"{s['kind']}:{s['key']}": s["sha256"] for s in study_data(study)["snapshots"]}


def _fresh_database(settings: Any, tmp_path: Path, name: str) -> Any:
    """Empty every table and the artifact folder, load the atom library again, and return a
    new researcher: a fresh installation."""
    from webapp.atoms.services import library_load

    if connection.vendor == "postgresql":
        # The test's transaction holds deferred foreign-key checks; TRUNCATE needs them done.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    settings.ARTIFACT_ROOT = str(tmp_path / name)
    library_load()
    return UserFactory(username=f"rita-{name}", role="researcher")


def test_a_study_launched_twice_on_fresh_databases_freezes_the_same_snapshots_whatever_pools_existed(
    researcher: Any, settings: Any, tmp_path: Path
) -> None:
    user = _fresh_database(settings, tmp_path, "first")
    # Pools A and B of other sizes exist first, as on the install where a `tiny` study
    # once used 50/10/10 pools instead of its own.
    other = run_create(by=user, config=SynthesisConfig(pools={"A": 10, "B": 4}, seed=1), enqueue=False)
    run_execute(run=other)
    first = _launch(user)
    plan = design_parse(POOLED, scale="tiny").pools
    assert plan is not None
    assert {p: Composite.objects.filter(pool=p).count() for p in ("A", "B")} == {"A": 10, "B": 4}
    assert {p: Composite.objects.filter(pool=plan.stored(p)).count() for p in ("A", "B")} == {"A": 6, "B": 3}
    rows = {f"{s['kind']}:{s['key']}": s for s in study_data(first)["snapshots"]}
    assert (rows["eval:held_out"]["rows"], rows["eval:held_out"]["eval_rows"]) == (3, 3)
    assert rows["train:data"]["train_rows"] == rows["train:data"]["rows"] > 6
    hashes = _hashes(first)

    # A second study of the same template and scale reuses the pools by identity.
    second = _launch(user)
    assert second.synthesis_run_id == first.synthesis_run_id
    assert SynthesisRun.objects.count() == 2 and _hashes(second) == hashes

    user = _fresh_database(settings, tmp_path, "second")
    assert not Composite.objects.exists()
    again = _launch(user)
    assert _hashes(again) == hashes and len(hashes) == 2


def test_the_page_and_study_status_json_list_every_snapshot_with_hash_and_row_counts(
    researcher: Any, client: Any, template: str
) -> None:
    from webapp.atoms.services import library_load

    library_load()
    study = study_create(by=researcher, template="t", text=template, scale="tiny", advance=False)
    study_advance(study.pk)
    study.refresh_from_db()
    out = io.StringIO()
    call_command("study_status", str(study.pk), "--json", stdout=out)
    state = json.loads(out.getvalue())
    snapshots = {(s["kind"], s["key"]): s for s in state["snapshots"]}
    assert snapshots.keys() == {("train", "atoms_modify"), ("eval", "atoms")}
    train, suite = snapshots[("train", "atoms_modify")], snapshots[("eval", "atoms")]
    assert train["train_rows"] == train["rows"] > 0 and train["eval_rows"] == 0
    assert suite["eval_rows"] == suite["rows"] > 0 and suite["train_rows"] == 0
    assert state["pools"] is None
    client.force_login(researcher)
    page = client.get(f"/studies/{study.pk}/").content.decode()
    for s in snapshots.values():
        assert s["sha256"] in page
    assert f'<td class="num">{suite["eval_rows"]}</td>' in page
