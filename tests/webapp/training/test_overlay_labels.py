"""The overlay page (several runs' curves on one chart) and the tags, groups and notes of runs
and evaluations: which runs a query picks, what each chart holds, how long runs are thinned
for drawing while the CSV keeps every point, wall time from the worker's event timestamps,
and who may label what, with bad input refused next to its field."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from webapp.core.labels import parse_tags
from webapp.evaluation.models import EvalRun, SuiteScore
from webapp.mixtures.models import Mixture, MixtureVersion, Snapshot
from webapp.training.models import Checkpoint, MetricPoint, RunEvent, TrainingRun
from webapp.training.overlay import DRAW_POINTS

pytestmark = pytest.mark.django_db


def _snapshot() -> Snapshot:
    mixture = Mixture.objects.create(name=f"m-{uuid.uuid4().hex[:8]}")
    version = MixtureVersion.objects.create(mixture=mixture, number=1)
    sha = uuid.uuid4().hex * 2
    return Snapshot.objects.create(
        version=version, sha256=sha, recipe={}, path=f"snapshots/{sha}.jsonl", size_bytes=0, rows=0
    )


def _run(
    owner: Any,
    *,
    steps: int = 5,
    method: str = "sft",
    tags: list[str] | None = None,
    every: int = 1,
    **kw: Any,
) -> TrainingRun:
    run = TrainingRun.objects.create(
        method=method, model="default", train_snapshot=_snapshot(), created_by=owner, tags=tags or [], **kw
    )
    MetricPoint.objects.bulk_create(
        MetricPoint(run=run, name="loss", step=s, value=2.0 / s + run.pk / 100)
        for s in range(every, steps * every + 1, every)
    )
    return run


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _charts(html: str) -> dict[str, Any]:
    """The chart specs a page carries (json_script blocks), by chart id."""
    specs = re.findall(
        r'<script id="chart-([a-z0-9_-]+)-spec" type="application/json">(.*?)</script>', html, re.S
    )
    return {cid: json.loads(body) for cid, body in specs}


@pytest.fixture
def alice() -> Any:
    return UserFactory(username="alice", role="researcher")


def test_overlay_draws_each_picked_run_as_one_series_with_the_same_colour_on_every_chart(alice: Any) -> None:
    a, b, c = _run(alice), _run(alice, method="grpo", tags=["baseline"]), _run(alice)
    MetricPoint.objects.create(run=b, name="reward", step=1, value=0.25)
    page = _client(alice).get(reverse("run-overlay"), {"run": [a.pk, b.pk]}).content.decode()

    charts = _charts(page)
    assert [s["key"] for s in charts["loss"]["series"]] == [f"run-{a.pk}", f"run-{b.pk}"]
    assert f"run-{c.pk}" not in page
    assert [s["key"] for s in charts["reward"]["series"]] == [f"run-{b.pk}"]  # only b logged a reward
    colour = {s["key"]: s["colour"] for s in charts["loss"]["series"]}
    assert charts["reward"]["series"][0]["colour"] == colour[f"run-{b.pk}"]
    assert colour[f"run-{a.pk}"] != colour[f"run-{b.pk}"]
    assert charts["loss"]["series"][1]["label"] == f"run {b.pk} · GRPO · baseline"
    assert "kl" not in charts  # no run logged one: no empty chart
    assert reverse("run-compare") + f"?a={a.pk}&amp;b={b.pk}" in page  # links both ways


def test_overlay_picks_by_tag_and_by_study_and_names_what_it_did_not_find(alice: Any) -> None:
    from webapp.studies.design import template_text
    from webapp.studies.models import Study, StudyUnit

    tagged = [_run(alice, tags=["sweep"]), _run(alice, tags=["sweep", "x"])]
    other = _run(alice, tags=["sweepy"])
    client = _client(alice)
    by_tag = _charts(client.get(reverse("run-overlay"), {"tag": "sweep"}).content.decode())
    assert [s["key"] for s in by_tag["loss"]["series"]] == [f"run-{r.pk}" for r in tagged]

    study = Study.objects.create(
        name="s",
        template="sft_vs_rl",
        template_text=template_text("sft_vs_rl"),
        scale="tiny",
        created_by=alice,
    )
    StudyUnit.objects.create(study=study, arm="sft", order=0, training_run=other)
    StudyUnit.objects.create(study=study, arm="rl", order=1)  # not launched yet
    page = client.get(reverse("run-overlay"), {"study": study.pk, "run": 999999}).content.decode()
    assert [s["key"] for s in _charts(page)["loss"]["series"]] == [f"run-{other.pk}"]
    assert f"study {study.pk}" in page
    assert "Not found: run 999999" in page
    empty = client.get(reverse("run-overlay"), {"study": 999999}).content.decode()
    assert "No runs picked" in empty and "Not found: study 999999" in empty


@pytest.mark.parametrize("every", [1, 5])
def test_a_long_run_is_thinned_for_drawing_and_its_csv_keeps_every_raw_point(alice: Any, every: int) -> None:
    n = DRAW_POINTS * 3 + 7
    run = _run(alice, steps=n, every=every)  # logged at every step, or every 5th
    client = _client(alice)
    page = client.get(reverse("run-overlay"), {"run": run.pk}).content.decode()
    loss = _charts(page)["loss"]
    drawn = loss["series"][0]["x"]
    assert DRAW_POINTS / 2 <= len(drawn) <= DRAW_POINTS + 1
    assert drawn[0] == every and drawn[-1] == n * every
    assert len({b - a for a, b in itertools.pairwise(drawn[:-1])}) == 1  # evenly spaced
    assert f"Drawn from {len(drawn)} of {n} points" in loss["description"]

    answer = client.get(reverse("run-overlay") + loss["csv_url"])
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][:5] == ["series", "step", "y", "low", "high"]
    assert len(rows) - 1 == n
    stored = MetricPoint.objects.get(run=run, name="loss", step=1234 * every).value
    assert next(r for r in rows[1:] if r[1] == str(1234 * every))[2] == str(stored)


def test_wall_time_is_minutes_since_the_runs_first_event_from_the_worker_timestamps(alice: Any) -> None:
    run = _run(alice, steps=3)
    for seq, (kind, step, ts) in enumerate(
        [("started", 0, 1000.0), ("metrics", 1, 1030.0), ("metrics", 3, 1120.0)]
    ):
        RunEvent.objects.create(run=run, seq=seq + 1, type=kind, step=step, payload={}, timestamp=ts)
    loss = _charts(_client(alice).get(reverse("run-overlay"), {"run": run.pk}).content.decode())["loss"]
    series = loss["series"][0]
    assert series["x"] == [1, 2, 3]
    # Step 2 has no event of its own: the nearest earlier step's time.
    assert series["x_alt"] == [0.5, 0.5, 2.0]
    assert "wall time" in loss["x_alt"]["title"]


def test_pass_at_1_of_the_checkpoints_a_runs_cadence_evaluated_is_a_chart_with_intervals(alice: Any) -> None:
    suite = _snapshot()
    run = _run(alice, eval_snapshot=suite, eval_every=2)
    for step, value in ((2, 0.25), (4, 0.5)):
        checkpoint = Checkpoint.objects.create(run=run, step=step, uri=f"ckpt/{step}")
        ev = EvalRun.objects.create(
            model=f"run:{run.pk}", protocol={}, created_by=alice, scheduled_by=run, init_checkpoint=checkpoint
        )
        SuiteScore.objects.create(
            run=ev, snapshot=suite, k=1, estimate=value, ci_low=value - 0.1, ci_high=value + 0.1, n_problems=8
        )
        SuiteScore.objects.create(  # another k, not drawn
            run=ev, snapshot=suite, k=5, estimate=0.9, ci_low=0.8, ci_high=1.0, n_problems=8
        )
    chart = _charts(_client(alice).get(reverse("run-overlay"), {"run": run.pk}).content.decode())["pass-at-1"]
    (series,) = chart["series"]
    assert series["x"] == [2, 4] and series["y"] == [0.25, 0.5]
    assert series["low"] == [0.15, 0.4] and series["high"] == [0.35, 0.6]


# --- tags, group and note -----------------------------------------------------------------


def test_tags_are_parsed_sorted_folded_and_refused_by_name() -> None:
    assert parse_tags(" lr-sweep, Baseline  grpo,grpo ") == ["baseline", "grpo", "lr-sweep"]
    assert parse_tags("") == []
    with pytest.raises(ValueError, match="“tag!” is not a tag"):
        parse_tags("good tag!")
    with pytest.raises(ValueError, match="at most 12"):
        parse_tags(" ".join(f"t{i}" for i in range(13)))
    with pytest.raises(ValueError, match="is not a tag"):
        parse_tags("x" * 33)


@pytest.mark.parametrize("kind", ["run", "eval"])
def test_the_owner_labels_in_place_and_a_bad_tag_is_refused_next_to_its_field_with_the_text_kept(
    alice: Any, kind: str
) -> None:
    obj = (
        _run(alice)
        if kind == "run"
        else EvalRun.objects.create(model="default", protocol={}, created_by=alice)
    )
    url = reverse(f"{kind}-labels", args=[obj.pk])
    client = _client(alice)
    htmx = {"HX-Request": "true"}

    bad = client.post(url, {"tags": "fine Nope!", "group": "g", "note": "kept note"}, headers=htmx)
    html = bad.content.decode()
    assert bad.status_code == 200
    field = re.search(r'data-field="tags".*?</div>\s*</div>|data-field="tags".*?</div>', html, re.S)
    assert field and "“nope!” is not a tag" in field.group(0)
    assert 'value="fine Nope!"' in html and "kept note" in html  # nothing typed is lost
    obj.refresh_from_db()
    assert (obj.tags, obj.group, obj.note) == ([], "", "")

    good = client.post(
        url, {"tags": "Sweep, baseline", "group": "lr 1e-5", "note": "first try"}, headers=htmx
    )
    obj.refresh_from_db()
    assert (obj.tags, obj.group, obj.note) == (["baseline", "sweep"], "lr 1e-5", "first try")
    assert 'data-tags="baseline,sweep"' in good.content.decode()

    page = client.get(reverse("run" if kind == "run" else "eval-run", args=[obj.pk])).content.decode()
    assert 'class="tag"' in page and "first try" in page and "edit-labels" in page
    # Without JavaScript: the editor is a page of its own, and a save leads back.
    assert "labels editing" in client.get(url).content.decode()
    plain = client.post(url, {"tags": "plain", "group": "", "note": ""})
    assert plain.status_code == 302 and plain["Location"] == reverse(
        "run" if kind == "run" else "eval-run", args=[obj.pk]
    )
    obj.refresh_from_db()
    assert obj.tags == ["plain"]


@pytest.mark.parametrize("kind", ["run", "eval"])
def test_others_read_the_labels_without_a_way_to_change_them(alice: Any, kind: str) -> None:
    obj = (
        _run(alice, tags=["keep"])
        if kind == "run"
        else EvalRun.objects.create(model="default", protocol={}, created_by=alice, tags=["keep"])
    )
    url = reverse(f"{kind}-labels", args=[obj.pk])
    for who in (UserFactory(username="vera", role="viewer"), UserFactory(username="bob", role="researcher")):
        client = _client(who)
        page = client.get(reverse("run" if kind == "run" else "eval-run", args=[obj.pk])).content.decode()
        assert 'data-tags="keep"' in page and "edit-labels" not in page
        assert "edit-labels" not in client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "labels editing" not in client.get(url).content.decode()  # the page without htmx too
        refused = client.post(url, {"tags": "mine"})
        assert refused.status_code == 403
        obj.refresh_from_db()
        assert obj.tags == ["keep"]


def test_the_lists_filter_by_tag_and_group_and_show_the_filter_with_a_way_to_remove_it(alice: Any) -> None:
    keep = _run(alice, tags=["ab"], group="g1")
    other_group = _run(alice, tags=["ab"], group="g2")
    near = _run(alice, tags=["abc"], group="g1")
    client = _client(alice)
    page = client.get(reverse("runs"), {"tag": "ab", "group": "g1"}).content.decode()
    shown = {int(pk) for pk in re.findall(r'<tr data-run="(\d+)"', page)}
    assert shown == {keep.pk}, (other_group.pk, near.pk)
    assert 'id="label-filters"' in page
    assert 'href="/runs/?group=g1"' in page and 'href="/runs/?tag=ab"' in page  # each chip's ×
    assert "/runs/overlay/?tag=ab" in page

    e1 = EvalRun.objects.create(model="default", protocol={}, created_by=alice, tags=["ab"])
    EvalRun.objects.create(model="default", protocol={}, created_by=alice, tags=["abc"])
    evals = client.get(reverse("evaluations"), {"tag": "ab"}).content.decode()
    assert {int(pk) for pk in re.findall(r'<tr data-run="(\d+)"', evals)} == {e1.pk}
    assert 'href="/evaluations/"' in evals
    nothing = client.get(reverse("evaluations"), {"group": "none"}).content.decode()
    assert "Nothing matches" in nothing


# --- the chart spec's second x and server CSV ----------------------------------------------


def test_a_chart_with_a_second_x_needs_it_on_every_series_and_writes_it_in_its_csv() -> None:
    from webapp.core.charts import Axis, ChartSpec, ChartSpecError, Series

    timed = Series("run 1", [1, 2, 3], [0.5, 0.4, None], key="run-1", x_alt=[0.0, 0.25, 0.5])
    spec = ChartSpec(
        id="loss", kind="line", title="t", x_title="step", y_axes=(Axis("loss"),), series=(timed,),
        x_alt_title="wall time (minutes)", csv_url="?run=1&csv=loss",
    )  # fmt: skip
    data = spec.to_json()
    assert data["series"][0]["x_alt"] == [0.0, 0.25, 0.5]
    assert data["x_alt"] == {"title": "wall time (minutes)"} and data["csv_url"] == "?run=1&csv=loss"
    assert spec.to_csv().splitlines() == [
        "series,step,y,low,high,wall time (minutes)",
        "run 1,1,0.5,,,0.0",
        "run 1,2,0.4,,,0.25",
        "run 1,3,,,,0.5",
    ]
    assert timed.after(1).x_alt == (0.25, 0.5)  # a poll's answer keeps the second x
    with pytest.raises(ChartSpecError, match="has no x_alt"):
        ChartSpec(
            id="loss", kind="line", title="t", x_title="step", y_axes=(Axis("loss"),),
            series=(Series("run 2", [1], [1.0]),), x_alt_title="wall time",
        )  # fmt: skip
    with pytest.raises(ChartSpecError, match="2 x_alt values"):
        Series("run 3", [1, 2, 3], [1.0, 2.0, 3.0], x_alt=[0.0, 1.0])
