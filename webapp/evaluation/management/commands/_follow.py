"""Shared by the evaluation commands: wait for a run, print its table."""

from __future__ import annotations

import time
from typing import Any

from webapp.evaluation.models import EvalRun, SuiteScore


def follow(out: Any, run: EvalRun, *, timeout_s: float | None = None, quiet: bool = False) -> EvalRun:
    """Poll the row until the run finished (printing progress unless ``quiet``)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    last = None
    while True:
        run.refresh_from_db()
        state = (run.phase, run.status, run.done, run.total)
        if state != last and not quiet:
            out.write(f"  [{run.phase}] {run.status} {run.done}/{run.total} {run.message}")
            last = state
        if run.finished:
            return run
        if deadline is not None and time.monotonic() > deadline:
            return run
        time.sleep(0.5)


def scores_json(run: EvalRun) -> dict[str, Any]:
    """``{"eval_id", "status", "protocol", "contamination_reason", "suites": {hash: {"eval_rows",
    "contamination", "tests_version", "pass@k": {value, low, high, problems}}}}``: every suite
    of the run, with the number of eval rows it scores and what the model trained on of it."""
    suites: dict[str, dict[str, Any]] = {
        s.sha256: {"eval_rows": s.eval_rows, "contamination": run.finding(s.pk)}
        for s in run.snapshots.order_by("pk")
    }
    for s in SuiteScore.objects.filter(run=run).select_related("snapshot").order_by("snapshot_id", "k"):
        entry = suites[s.snapshot.sha256]
        entry["tests_version"] = s.tests_version
        entry[f"pass@{s.k}"] = {
            "value": s.estimate,
            "low": s.ci_low,
            "high": s.ci_high,
            "problems": s.n_problems,
        }
    return {
        "eval_id": run.pk,
        "status": run.status,
        "protocol": run.protocol,
        "contamination_reason": run.contamination_reason,
        "suites": suites,
    }


def print_scores(out: Any, run: EvalRun) -> None:
    """The run's pass@k table as text, one line per suite and k."""
    scores = list(SuiteScore.objects.filter(run=run).select_related("snapshot").order_by("snapshot_id", "k"))
    out.write(f"evaluation {run.pk}: {run.model_label} · {run.status}")
    for suite in run.snapshots.order_by("pk"):
        finding = run.finding(suite.pk)
        mark = f"  [{finding['status'].replace('_', '-')}: {finding['summary']}]" if finding else ""
        out.write(f"  {suite.short}  {suite.eval_rows} eval rows{mark}")
    for s in scores:
        out.write(
            f"  {s.snapshot.short}  pass@{s.k:<3} {100 * s.estimate:6.2f}%  "
            f"[{100 * s.ci_low:.2f}, {100 * s.ci_high:.2f}]  {s.n_problems} problems  "
            f"tests: {s.tests_version}"
        )
