"""Figures for export: the same :class:`~webapp.core.charts.ChartSpec` a page draws in the
browser, drawn by matplotlib (Agg, no display) as SVG or PNG bytes, for management commands
that write a study's figures without a browser.

matplotlib is imported inside the functions: a web process that never exports a figure
never pays for it (measured on the 2-core development machine: about 1.2 s and 55 MB
resident for the import).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webapp.core.charts import ChartSpec, Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The site's text colours (app.css: --fg, --muted) and grid colour, so exports look like pages.
FG, MUTED, GRID = "#1d2430", "#5f6b7a", "#e6eaf0"
MARKERS = ("o", "^", "s", "D", "X", "*", "P", "v")  # as charts.js's point styles, in order
TITLE_PT = 11


def _wrapped_title(title: str, width_px: int, dpi: int) -> str:
    """The title broken into lines that fit the figure: matplotlib neither wraps a title nor
    makes room for a long one, so a study's name cut it off at the right edge. A bold
    character is at most about 0.62 em wide in the default font (DejaVu Sans)."""
    em_px = TITLE_PT * dpi / 72
    return "\n".join(textwrap.wrap(title, max(16, int(width_px * 0.95 / (em_px * 0.62))))) or title


def _values(values: Sequence[float | int | None] | None, log: bool) -> list[float]:
    """Floats with gaps as NaN (matplotlib breaks the line there); on a log axis a value at
    or below zero is a gap too, rather than a warning and a clipped point."""
    out: list[float] = []
    for v in values or ():
        out.append(float("nan") if v is None or (log and v <= 0) else float(v))
    return out


def _tick(value: float, _position: object = None) -> str:
    """A tick label as charts.js writes it: 4 significant digits, exponent below 0.001."""
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.4g}"


def _minor_tick(value: float, _position: object = None) -> str:
    """Between powers of ten only 2, 3 and 5 are labelled (more crowd a short log axis)."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return _tick(value) if any(abs(mantissa - m) < 1e-6 for m in (2, 3, 5)) else ""


def _figure(spec: ChartSpec, width_px: int, height_px: int, dpi: int) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    # Figure() without pyplot: no global state, no backend selection, safe in threads.
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    axes = [ax] + ([ax.twinx()] if len(spec.y_axes) > 1 else [])
    for a, axis in zip(axes, spec.y_axes, strict=True):
        a.set_ylabel(axis.title, color=MUTED)
        if axis.log:
            a.set_yscale("log")
            # Plain numbers (0.4, 2) rather than 4×10⁻¹, on the minor ticks a short log
            # axis labels too, as the browser shows them.
            a.yaxis.set_minor_formatter(FuncFormatter(_minor_tick))
        a.yaxis.set_major_formatter(FuncFormatter(_tick))
        if axis.min is not None or axis.max is not None:
            a.set_ylim(axis.min, axis.max)
        a.tick_params(which="both", colors=MUTED, labelsize=9)
        for side in a.spines.values():
            side.set_color(GRID)
    ax.set_xlabel(spec.x_title, color=MUTED)
    ax.set_title(
        _wrapped_title(spec.title, width_px, dpi), loc="left", color=FG, fontsize=TITLE_PT, fontweight="bold"
    )
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    if spec.kind == "bar":
        _draw_bars(spec, ax, axes)
    else:
        if spec.x_log:
            ax.set_xscale("log")
        if spec.x_ticks:
            ax.set_xticks(spec.x_ticks, [_tick(v) for v in spec.x_ticks])
            ax.set_xticks([], minor=True)
        series = _stacked(spec.series) if spec.stacked else list(spec.series)
        for i, s in enumerate(series):
            _draw_line(spec, s, i, axes[s.axis], log=spec.y_axes[s.axis].log)
            if spec.stacked:  # the area between this series' top and the one below it
                below = series[i - 1].y if i else [0.0] * len(s.y)
                xs = [float(x) for x in s.x if not isinstance(x, str)]
                ax.fill_between(xs, _values(below, False), _values(s.y, False), color=spec.colour(i, s.key),
                                alpha=0.35, linewidth=0)  # fmt: skip
    handles = [h for a in axes for h in a.get_legend_handles_labels()[0]]
    if len(spec.series) > 1 or spec.kind != "line":
        ax.legend(handles=handles, loc="best", fontsize=9, frameon=False)
    return fig


def _stacked(series: Sequence[Series]) -> list[Series]:
    """Each series on top of the ones before it, as the browser stacks them (a gap counts as
    0; stacked series share their x values)."""
    out: list[Series] = []
    for s in series:
        below = out[-1].y if out else [0.0] * len(s.y)
        out.append(replace(s, y=[(v or 0.0) + (b or 0.0) for v, b in zip(s.y, below, strict=True)]))
    return out


def _label(spec: ChartSpec, s: Series) -> str:
    # As in the browser's legend: with two y-axes each line says which one it reads from.
    if spec.kind == "line" and len(spec.y_axes) > 1:
        return f"{s.label} ({'right' if s.axis else 'left'} axis)"
    return s.label


def _draw_line(spec: ChartSpec, s: Series, index: int, ax: Axes, *, log: bool) -> None:
    colour = spec.colour(index, s.key)
    xs = _values([float(x) for x in s.x if not isinstance(x, str)], spec.x_log)
    ys = _values(s.y, log)
    sparse = spec.kind == "factor" or len(xs) <= 40
    ax.plot(
        xs,
        ys,
        color=colour,
        linewidth=1.8,
        linestyle="--" if s.axis else "-",
        marker=MARKERS[index % len(MARKERS)] if sparse else None,
        markersize=5 if spec.kind == "factor" else 3,
        label=_label(spec, s),
    )
    if s.low is None or s.high is None:
        return
    low, high = _values(s.low, log), _values(s.high, log)
    if spec.intervals == "band":
        ax.fill_between(xs, low, high, color=colour, alpha=0.18, linewidth=0)
    else:
        below = [y - lo for y, lo in zip(ys, low, strict=True)]
        above = [hi - y for y, hi in zip(ys, high, strict=True)]
        ax.errorbar(xs, ys, yerr=[below, above], fmt="none", ecolor=colour, elinewidth=1.3, capsize=4)


def _draw_bars(spec: ChartSpec, ax: Axes, axes: list[Axes]) -> None:
    categories = spec.categories
    n = max(len(spec.series), 1)
    width = 0.8 / n
    for i, s in enumerate(spec.series):
        at = {str(x): j for j, x in enumerate(s.x)}
        colour = spec.colour(i, s.key)
        xs = [c + (i - (n - 1) / 2) * width for c in range(len(categories))]
        ys = [_nan_or(s.y, at.get(c)) for c in categories]
        target = axes[s.axis]
        target.bar(xs, ys, width=width * 0.92, color=colour, alpha=0.85, label=s.label)
        if s.low is not None and s.high is not None:
            lows = [_nan_or(s.low, at.get(c)) for c in categories]
            highs = [_nan_or(s.high, at.get(c)) for c in categories]
            below = [y - lo for y, lo in zip(ys, lows, strict=True)]
            above = [hi - y for y, hi in zip(ys, highs, strict=True)]
            target.errorbar(xs, ys, yerr=[below, above], fmt="none", ecolor=FG, elinewidth=1.2, capsize=4)
    ax.set_xticks(range(len(categories)), categories)
    ax.grid(False, axis="x")


def _nan_or(values: Sequence[float | int | None], index: int | None) -> float:
    value = None if index is None else values[index]
    return float("nan") if value is None else float(value)


def _save(fig: Figure, fmt: str, dpi: int) -> bytes:
    import io

    from matplotlib import rc_context

    out = io.BytesIO()
    # Text stays text in SVG (searchable, selectable, the labels readable in the file), and
    # the output is byte-stable for the same spec (no date, a fixed id salt).
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "atomlab"}):
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
    return out.getvalue()


def render_svg(spec: ChartSpec, *, width_px: int = 800, height_px: int = 450) -> bytes:
    """The chart as an SVG document (text as text)."""
    return _save(_figure(spec, width_px, height_px, 100), "svg", 100)


def render_png(spec: ChartSpec, *, width_px: int = 800, height_px: int = 450, dpi: int = 100) -> bytes:
    """The chart as a PNG of exactly ``width_px`` × ``height_px`` pixels."""
    return _save(_figure(spec, width_px, height_px, dpi), "png", dpi)


def export_chart(
    spec: ChartSpec, directory: Path, *, width_px: int = 800, height_px: int = 450
) -> list[Path]:
    """Writes ``<id>.svg``, ``<id>.png`` and ``<id>.csv`` (the data, as the page's Download
    CSV link gives it) into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        directory / f"{spec.id}.svg": render_svg(spec, width_px=width_px, height_px=height_px),
        directory / f"{spec.id}.png": render_png(spec, width_px=width_px, height_px=height_px),
        directory / f"{spec.id}.csv": spec.to_csv().encode(),
    }
    for path, data in files.items():
        path.write_bytes(data)
    return list(files)
