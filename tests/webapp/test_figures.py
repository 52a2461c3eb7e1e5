"""Exported figures (webapp/core/figures.py): each kind as SVG that parses and names its
series and axes, and as a PNG of the requested size, from the specs the pages draw."""

from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from webapp.core.charts import Axis, ChartSpec, Series
from webapp.core.figures import export_chart, render_png, render_svg

SHARES = [0.0, 0.25, 0.5, 1.0]


def specs() -> list[ChartSpec]:
    steps = list(range(0, 50, 5))
    return [
        ChartSpec(
            id="loss",
            kind="line",
            title="Training loss",
            x_title="training step",
            y_axes=(Axis("loss", log=True), Axis("learning rate")),
            # A diverged step (NaN), a missing value and a zero on the log axis are gaps, not errors.
            series=(
                Series("train loss", steps, [2.0 / (1 + s) for s in steps[:-3]] + [float("nan"), None, 0.0]),
                Series("learning rate", steps, [1e-5 * (1 + s) for s in steps], axis=1),
            ),
        ),
        ChartSpec(
            id="share",
            kind="factor",
            title="pass@1 against composite share",
            x_title="composite share",
            y_axes=(Axis("pass@1", min=0, max=1),),
            series=(
                Series(
                    "SFT arm",
                    SHARES,
                    [0.3, 0.35, 0.4, 0.5],
                    low=[0.25, 0.3, 0.35, 0.45],
                    high=[0.35, 0.4, 0.45, 0.55],
                ),
                Series(
                    "RL arm",
                    SHARES,
                    [0.3, 0.4, 0.5, 0.6],
                    low=[0.2, 0.3, 0.4, 0.5],
                    high=[0.4, 0.5, 0.6, 0.7],
                ),
            ),
        ),
        ChartSpec(
            id="share-whiskers",
            kind="factor",
            intervals="whiskers",
            title="pass@1 against composite share",
            x_title="composite share",
            y_axes=(Axis("pass@1"),),
            series=(
                Series(
                    "SFT arm",
                    SHARES,
                    [0.3, 0.35, 0.4, 0.5],
                    low=[0.25, 0.3, 0.35, 0.45],
                    high=[0.35, 0.4, 0.45, 0.55],
                ),
            ),
        ),
        ChartSpec(
            id="arms",
            kind="bar",
            title="pass@k per arm",
            x_title="arm",
            y_axes=(Axis("pass rate", min=0, max=1),),
            series=(
                Series("pass@1", ["SFT", "SFT to RL"], [0.4, 0.55], low=[0.35, 0.5], high=[0.45, 0.6]),
                Series("pass@5", ["SFT", "SFT to RL"], [0.6, None], low=[0.55, None], high=[0.65, None]),
            ),
        ),
    ]


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("spec", specs(), ids=lambda s: s.id)
def test_the_svg_parses_and_names_the_title_axes_and_every_series(spec: ChartSpec) -> None:
    texts = svg_texts(render_svg(spec))
    assert spec.title in texts and spec.x_title in texts
    for axis in spec.y_axes:
        assert axis.title in texts
    for s in spec.series:
        assert any(s.label in t for t in texts), (s.label, texts)
    if spec.kind == "bar":
        assert {"SFT", "SFT to RL"} <= set(texts)


def test_with_two_y_axes_the_legend_says_which_axis_each_line_reads_from() -> None:
    texts = svg_texts(render_svg(specs()[0]))
    assert "train loss (left axis)" in texts and "learning rate (right axis)" in texts


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("spec", specs(), ids=lambda s: s.id)
def test_the_png_has_the_signature_and_the_requested_size(spec: ChartSpec) -> None:
    assert png_size(render_png(spec)) == (800, 450)
    assert png_size(render_png(spec, width_px=1200, height_px=500, dpi=150)) == (1200, 500)


def test_the_same_spec_gives_the_same_svg() -> None:
    assert render_svg(specs()[1]) == render_svg(specs()[1])


def test_export_writes_svg_png_and_the_csv_the_page_offers(tmp_path: Path) -> None:
    spec = specs()[3]
    paths = export_chart(spec, tmp_path / "figures", width_px=640, height_px=360)
    assert [p.name for p in paths] == ["arms.svg", "arms.png", "arms.csv"]
    assert png_size((tmp_path / "figures" / "arms.png").read_bytes()) == (640, 360)
    assert (tmp_path / "figures" / "arms.csv").read_text() == spec.to_csv()


def test_importing_the_web_side_does_not_import_matplotlib() -> None:
    code = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'webapp.test_settings');"
        " django.setup(); import webapp.core.charts, webapp.core.figures, webapp.urls;"
        " print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_long_title_is_wrapped_to_fit_inside_the_png() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from webapp.core.figures import _figure

    title = "Does composite share help? a study of a long name: pass@1 by arm (95% CI over problems)"
    spec = ChartSpec(
        id="bars",
        kind="bar",
        title=title * 2,
        x_title="arm",
        y_axes=(Axis("pass@1", min=0, max=1),),
        series=(Series("pass@1", ["sft", "rl", "base model"], [0.2, 0.3, 0.1]),),
    )
    fig = _figure(spec, 800, 450, 100)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    shown = fig.axes[0].get_title(loc="left")
    assert shown.replace("\n", " ") == title * 2  # every word kept, on more than one line
    (text,) = [t for t in fig.findobj(Text) if t.get_text() == shown]
    box = text.get_window_extent(canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= 800, box


def test_an_integer_x_axis_has_ticks_only_at_the_measured_k() -> None:
    from webapp.core.figures import _figure

    spec = ChartSpec(
        id="passk",
        kind="factor",
        title="pass@k",
        x_title="k",
        x_log=True,
        x_integer=True,
        y_axes=(Axis("pass@k", min=0, max=1),),
        series=(Series("eval 1", [1, 2], [0.2, 0.3], low=[0.1, 0.2], high=[0.3, 0.4]),),
    )
    assert spec.to_json()["x"]["integer"] is True
    ax = _figure(spec, 800, 450, 100).axes[0]
    assert list(ax.get_xticks()) == [1, 2]
    assert list(ax.get_xticks(minor=True)) == []
