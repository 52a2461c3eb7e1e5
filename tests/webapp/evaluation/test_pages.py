"""The evaluation pages with real rows: two judged runs on one suite."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from webapp.core.protocol import Protocol
from webapp.evaluation.models import EvalRun, Generation, SuiteScore
from webapp.evaluation.selectors import comparison
from webapp.evaluation.services import evalrun_create, evalrun_judge

from .test_judging import generated_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_runs(artifacts: Path, atom_suite: Any) -> tuple[EvalRun, EvalRun]:
    """A (before): only sample 0 of the first two problems passes; B (after): every sample
    0 and 1 passes, except on the last problem, which B gets wrong everywhere."""
    _, records = atom_suite
    first_two = {r.task_id for r in records[:2]}
    last = records[-1].task_id
    a = generated_run(
        artifacts,
        atom_suite,
        ks=(1, 5),
        plan=lambda r, i: "reference" if i == 0 and r.task_id in first_two else "wrong",
    )
    b = generated_run(
        artifacts,
        atom_suite,
        ks=(1, 5),
        plan=lambda r, i: "reference" if i < 3 and r.task_id != last else "raises",
    )
    evalrun_judge(run_pk=a.pk)
    evalrun_judge(run_pk=b.pk)
    return a, b


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_passk_table_shows_every_run_with_intervals_sorts_and_downloads(
    client: Client, viewer: Any, two_runs: tuple[EvalRun, EvalRun]
) -> None:
    a, b = two_runs
    login(client, viewer)
    html = client.get(reverse("eval-table")).content.decode()
    assert f'data-run="{a.pk}"' in html and f'data-run="{b.pk}"' in html
    score_b = SuiteScore.objects.get(run=b, k=1)
    assert (
        f"{100 * score_b.estimate:.1f}" in html
        and f"{100 * score_b.ci_low:.1f}–{100 * score_b.ci_high:.1f}" in html
    )
    assert "different protocols" not in html
    # The figure: pass@k against k on the suite, one series per run, intervals as whiskers.
    spec_json = re.search(
        rf'<script id="chart-passk-{score_b.snapshot_id}-spec" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    assert spec_json is not None
    chart = json.loads(spec_json.group(1))
    by_key = {s["key"]: s for s in chart["series"]}
    assert set(by_key) == {f"run-{a.pk}", f"run-{b.pk}"} and chart["intervals"] == "whiskers"
    scores_b = list(SuiteScore.objects.filter(run=b).order_by("k"))
    assert by_key[f"run-{b.pk}"]["x"] == [s.k for s in scores_b] == [1, 5]
    assert by_key[f"run-{b.pk}"]["y"] == [s.estimate for s in scores_b]
    assert by_key[f"run-{b.pk}"]["low"] == [s.ci_low for s in scores_b]
    key = f"s{score_b.snapshot_id}k1"
    ordered = client.get(reverse("eval-table"), {"sort": f"-{key}"}).content.decode()
    assert ordered.index(f'data-run="{b.pk}"') < ordered.index(f'data-run="{a.pk}"')
    ordered = client.get(reverse("eval-table"), {"sort": key}).content.decode()
    assert ordered.index(f'data-run="{a.pk}"') < ordered.index(f'data-run="{b.pk}"')
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("eval-table"), {"format": "csv"}).content.decode()))
    )
    assert rows[0][:2] == ["eval_id", "model"] and {r[0] for r in rows[1:]} == {str(a.pk), str(b.pk)}
    assert (
        client.get(reverse("eval-table"), {"q": "nothing-like-this"}).content.decode().count("data-run=") == 0
    )


def test_table_says_when_protocols_differ(
    client: Client, viewer: Any, two_runs: Any, atom_suite: Any
) -> None:
    snapshot, _ = atom_suite
    other = evalrun_create(
        by=None,
        model="default",
        snapshots=[snapshot],
        protocol=Protocol(n=1, ks=(1,), temperature=0.0),
        dispatch=False,
    )
    SuiteScore.objects.create(
        run=other, snapshot=snapshot, k=1, estimate=0.5, ci_low=0.2, ci_high=0.8, n_problems=4
    )
    html = login(client, viewer).get(reverse("eval-table")).content.decode()
    assert "2 different protocols" in html and other.protocol_hash in html


def test_comparison_shows_flips_categories_and_the_paired_difference(
    client: Client, viewer: Any, two_runs: tuple[EvalRun, EvalRun], atom_suite: Any
) -> None:
    a, b = two_runs
    snapshot, records = atom_suite
    html = (
        login(client, viewer)
        .get(reverse("eval-compare"), {"a": a.pk, "b": b.pk, "snapshot": snapshot.pk, "k": 1})
        .content.decode()
    )
    # A passes 1 of 5 samples on the first two problems (not a majority): none "passes" in A.
    # B passes 3 of 5 everywhere but the last problem: fail -> pass on all but the last.
    flips = html.split("Fail → pass")[1].split("Pass → fail")[0]
    assert all(r.task_id in flips for r in records[:-1]) and records[-1].task_id not in flips
    assert "Runtime error" in html and "Wrong answer" in html
    # Verdict categories as shares of samples with the paired interval of B − A. Over the P
    # problems, A passes 1 of 5 samples on two (0.4 / P) and B 3 of 5 on all but the last
    # (0.6 (P - 1) / P); B's other samples raise: (0.4 (P - 1) + 1) / P.
    p = len(records)
    shares = {
        r.shares.category: r
        for r in comparison(fetched_by=viewer, a=a, b=b, snapshot=snapshot, k=1).category_rows
    }
    passed, raised = shares["passed"], shares["runtime_error"]
    assert (passed.a_count, passed.b_count) == (2, 3 * (p - 1))
    assert passed.shares.a == pytest.approx(0.4 / p) and passed.shares.b == pytest.approx(0.6 * (p - 1) / p)
    assert passed.shares.difference.value == pytest.approx((0.6 * (p - 1) - 0.4) / p)
    assert passed.shares.difference.low > 0  # every problem but one gains: the interval excludes 0
    assert raised.shares.b == pytest.approx((0.4 * (p - 1) + 1) / p) and raised.shares.a == 0.0
    table = html.split('id="categories"')[1].split("</table>")[0]
    row = table.split('data-category="passed"', 1)[1].split("</tr>")[0]
    assert "excludes 0" in row and f"{100 * passed.shares.b:.1f}%" in row
    assert 'id="paired-difference"' in html and "B is better" in html
    assert 'data-breakdown="topic"' in html and 'data-breakdown="atom"' in html


def test_generation_browser_filters_and_detail_shows_cases_and_siblings(
    client: Client, researcher: Any, two_runs: tuple[EvalRun, EvalRun]
) -> None:
    _, b = two_runs
    login(client, researcher)
    html = client.get(
        reverse("eval-generations"), {"run": b.pk, "category": "runtime_error"}
    ).content.decode()
    expected = Generation.objects.filter(run=b, category="runtime_error")
    assert html.count("data-generation=") == min(expected.count(), 50) and expected.exists()
    g = expected.first()
    assert g is not None
    detail = client.get(reverse("eval-generation", args=[g.pk])).content.decode()
    assert "ZeroDivisionError" in detail, detail[detail.find("<main") :][:3000]
    assert 'id="cases"' in detail and 'Other samples of this problem <span class="muted">(4)' in detail
    assert f'href="{reverse("atom", args=[g.task_id.split("/")[1]])}"' in detail
    client.post(
        reverse("eval-generation-review", args=[g.pk]), {"label": "wrong_test", "note": "expects a crash"}
    )
    g.refresh_from_db()
    assert (g.review_label, g.review_note, g.reviewed_by) == ("wrong_test", "expects a crash", researcher)
    assert 'id="fix-test"' in client.get(reverse("eval-generation", args=[g.pk])).content.decode()
    labelled = client.get(reverse("eval-generations"), {"label": "wrong_test"}).content.decode()
    assert labelled.count("data-generation=") == 1 and f'data-generation="{g.pk}"' in labelled


def test_viewers_see_no_review_or_launch_controls_and_are_refused(
    client: Client, viewer: Any, two_runs: tuple[EvalRun, EvalRun]
) -> None:
    a, _ = two_runs
    login(client, viewer)
    g = Generation.objects.filter(run=a, passed=False).first()
    assert g is not None
    assert 'id="review-form"' not in client.get(reverse("eval-generation", args=[g.pk])).content.decode()
    assert client.post(reverse("eval-generation-review", args=[g.pk]), {"label": "flaky"}).status_code == 403
    assert client.get(reverse("eval-launch")).status_code == 403
    assert "New evaluation" not in client.get(reverse("evaluations")).content.decode()


def test_launch_form_puts_errors_at_their_field_and_creates_a_run(
    client: Client, researcher: Any, atom_suite: Any, settings: Any
) -> None:
    snapshot, _ = atom_suite
    login(client, researcher)
    bad = client.post(
        reverse("eval-launch"),
        {
            "model": "run:999",
            "snapshots": [snapshot.pk],
            "n": 2,
            "ks": "1,5",
            "temperature": 0.8,
            "top_p": 0.95,
            "max_new_tokens": 64,
            "seed": 0,
        },
    )
    html = bad.content.decode()
    assert (
        bad.status_code == 200 and "there is no run 999" in html and "every k must be at most n (2)" in html
    )
    assert not EvalRun.objects.exists()
    ok = client.post(
        reverse("eval-launch"),
        {
            "model": "default",
            "snapshots": [snapshot.pk],
            "n": 2,
            "ks": "1,2",
            "temperature": 0.8,
            "top_p": 0.95,
            "max_new_tokens": 64,
            "seed": 3,
        },
    )
    run = EvalRun.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse("eval-run", args=[run.pk])
    assert (
        run.protocol["ks"] == [1, 2]
        and run.protocol["seed"] == 3
        and run.artifact_prefix == f"evals/{run.pk}"
    )
    page = client.get(reverse("eval-run", args=[run.pk])).content.decode()
    assert "waiting for a GPU worker" in page and reverse("eval-progress", args=[run.pk]) in page
