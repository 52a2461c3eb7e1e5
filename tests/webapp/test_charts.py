"""Chart specs (webapp/core/charts.py): what they refuse, the JSON charts.js reads, the poll
answer, the include that puts a chart on a page, and the vendored Chart.js itself."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory

from webapp.core.charts import PALETTE, Axis, ChartSpec, ChartSpecError, Series, chart_update, poll_response
from webapp.evaluation.metrics import Estimate

REPO = Path(__file__).resolve().parents[2]
VENDOR = REPO / "webapp" / "core" / "static" / "vendor" / "chartjs"


def line(**overrides: Any) -> ChartSpec:
    fields: dict[str, Any] = {
        "id": "loss",
        "kind": "line",
        "title": "Training loss",
        "x_title": "step",
        "y_axes": (Axis("loss", log=True), Axis("learning rate")),
        "series": (
            Series("loss", [0, 1, 2, 3], [2.0, 1.5, float("nan"), 0.9]),
            Series("learning rate", [0, 1, 2, 3], [1e-5, 2e-5, 3e-5, 3e-5], axis=1),
        ),
    }
    fields.update(overrides)
    return ChartSpec(**fields)


def test_a_spec_becomes_the_json_charts_js_reads_with_axis_titles_colours_and_no_nan() -> None:
    data = line(poll_url="/runs/7/metrics", interval=5).to_json()
    assert data["x"] == {"title": "step", "log": False, "integer": False}
    assert [a["title"] for a in data["y_axes"]] == ["loss", "learning rate"]
    assert data["y_axes"][0]["log"] is True
    assert [s["colour"] for s in data["series"]] == list(PALETTE[:2])
    # JSON has no NaN (JSON.parse would refuse the whole spec): a diverged step is a gap.
    assert data["series"][0]["y"] == [2.0, 1.5, None, 0.9]
    assert data["series"][1]["axis"] == 1
    assert (data["poll_url"], data["interval"]) == ("/runs/7/metrics", 5)
    json.loads(json.dumps(data, allow_nan=False))


def test_a_spec_without_polling_carries_no_poll_url() -> None:
    assert "poll_url" not in line().to_json()


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"id": "Loss chart"}, "lower-case letters"),
        ({"kind": "pie"}, "unknown kind"),
        ({"y_axes": ()}, "one or two y-axes"),
        ({"y_axes": (Axis("a"), Axis("b"), Axis("c"))}, "one or two y-axes"),
        ({"series": (Series("loss", [0], [1.0], axis=2),)}, "names y-axis 2"),
        ({"series": (Series("a", [0], [1.0], key="k"), Series("b", [0], [1.0], key="k"))}, "share a key"),
        ({"series": (Series("loss", ["SFT"], [1.0]),)}, "needs numbers as x"),
        ({"kind": "factor", "poll_url": "/feed"}, "only line charts poll"),
        ({"poll_url": "/feed", "interval": 0}, "interval > 0"),
    ],
)
def test_a_spec_that_cannot_be_drawn_is_refused_with_the_reason(
    overrides: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ChartSpecError, match=needle):
        line(**overrides)


def test_bars_need_categories_and_linear_scales() -> None:
    with pytest.raises(ChartSpecError, match="category names"):
        ChartSpec(
            id="arms",
            kind="bar",
            title="t",
            x_title="arm",
            y_axes=(Axis("p"),),
            series=(Series("p", [1], [0.5]),),
        )
    with pytest.raises(ChartSpecError, match="linear scales"):
        ChartSpec(id="arms", kind="bar", title="t", x_title="arm", y_axes=(Axis("p", log=True),), series=())


def test_a_series_refuses_mismatched_lengths_and_half_an_interval() -> None:
    with pytest.raises(ChartSpecError, match="3 x values but 2 y values"):
        Series("s", [0, 1, 2], [1.0, 2.0])
    with pytest.raises(ChartSpecError, match="both low and high"):
        Series("s", [0], [1.0], low=[0.5])
    with pytest.raises(ChartSpecError, match="1 x values but 2 high values"):
        Series("s", [0], [1.0], low=[0.5], high=[1.5, 2.0])


def test_a_series_from_estimates_carries_their_intervals() -> None:
    estimates = [Estimate(0.4, 0.35, 0.45, 164), Estimate(0.5, 0.44, 0.56, 164)]
    s = Series.from_estimates("pass@1", ["SFT", "RL"], estimates)
    assert (list(s.y), s.low, s.high) == ([0.4, 0.5], (0.35, 0.44), (0.45, 0.56))
    assert s.to_json("#000000")["low"] == [0.35, 0.44]
    spec = ChartSpec(id="arms", kind="bar", title="t", x_title="arm", y_axes=(Axis("pass@1"),), series=(s,))
    assert spec.to_json()["categories"] == ["SFT", "RL"]
    assert spec.to_json()["intervals"] == "whiskers"


def test_a_poll_answer_holds_only_the_points_after_the_given_step() -> None:
    specs = [
        line(),
        line(id="other", series=(Series("reward", [0, 5], [0.1, 0.2]),), y_axes=(Axis("reward"),)),
    ]
    update = chart_update(specs, after=1, finished=False)
    assert update["finished"] is False
    loss, lr = update["charts"]["loss"]["series"]
    assert (loss["x"], loss["y"]) == ([2, 3], [None, 0.9])
    assert (lr["axis"], lr["colour"]) == (1, PALETTE[1])
    assert update["charts"]["other"]["series"][0]["x"] == [5]
    # A chart with nothing new is left out; without `after` everything comes.
    assert "loss" not in chart_update(specs, after=3, finished=True)["charts"]
    assert len(chart_update(specs, after=None, finished=True)["charts"]["loss"]["series"][0]["x"]) == 4


def test_the_poll_response_reads_after_refuses_garbage_and_is_never_cached() -> None:
    factory = RequestFactory()
    response = poll_response(factory.get("/feed", {"after": "2"}), [line()], finished=True)
    body = json.loads(response.content)
    assert body["finished"] is True and body["charts"]["loss"]["series"][0]["x"] == [3]
    assert response["Cache-Control"] == "no-store"
    for bad in ("two", "nan", "inf"):
        response = poll_response(factory.get("/feed", {"after": bad}), [line()], finished=False)
        assert response.status_code == 400
        assert "last step" in json.loads(response.content)["error"]


def test_the_csv_is_long_form_with_the_x_title_and_intervals() -> None:
    spec = ChartSpec(
        id="arms",
        kind="bar",
        title="t",
        x_title="arm",
        y_axes=(Axis("p"),),
        series=(Series("pass@1", ["SFT", "RL, from base"], [0.4, None], low=[0.3, None], high=[0.5, None]),),
    )
    assert spec.to_csv().splitlines() == [
        "series,arm,y,low,high",
        "pass@1,SFT,0.4,0.3,0.5",
        'pass@1,"RL, from base",,,',
    ]


def test_the_include_puts_the_spec_in_a_json_script_with_caption_canvas_and_data_links() -> None:
    spec = line(title="Loss </script><b>", description="Lower is better.")
    html = (
        engines["django"].from_string('{% include "core/chart.html" with spec=spec %}').render({"spec": spec})
    )
    assert '<figure class="chart card" id="chart-loss" data-chart' in html
    assert 'data-chart-spec="chart-loss-spec"' in html
    assert re.search(r'data-chart-lib="/static/vendor/chartjs/chart\.umd\.min\.js"', html)
    assert "<figcaption>" in html and "Lower is better." in html
    assert '<canvas role="img" aria-label="Loss &lt;/script&gt;&lt;b&gt; (chart;' in html
    assert 'download="loss.csv"' in html and "Data table" in html
    # The title cannot close the data block early: json_script escapes < > &.
    block = re.search(r'<script id="chart-loss-spec" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None and json.loads(block.group(1))["title"] == "Loss </script><b>"
    assert not re.search(r"\s(style|on[a-z]+)=", html)  # nothing inline (CSP)


def test_the_vendored_chart_js_is_the_version_its_note_names_with_its_licence() -> None:
    note = (VENDOR / "VERSION").read_text()
    version = re.match(r"chart\.js (\d+\.\d+\.\d+)\n", note)
    assert version is not None
    built = (VENDOR / "chart.umd.min.js").read_bytes()
    assert f"Chart.js v{version.group(1)}".encode() in built[:200]
    assert (
        f"vendored file sha256 (sourceMappingURL line dropped): {hashlib.sha256(built).hexdigest()}" in note
    )
    assert b"sourceMappingURL" not in built  # production's manifest storage would look for the map
    assert "MIT License" in (VENDOR / "LICENSE.md").read_text()


def test_production_collects_the_vendored_library_and_the_chart_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        ATOMLAB_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="x",
        DATABASE_URL="sqlite:///:memory:",
        ATOMLAB_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())["paths"]
    assert re.fullmatch(
        r"vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", manifest["vendor/chartjs/chart.umd.min.js"]
    )
    assert "core/charts.js" in manifest
