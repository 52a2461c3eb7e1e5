"""What apps above training add to a run's page, without training importing them.

A run's page shows the evaluations its cadence scheduled (a pass@1-over-steps chart and a
table), yet training sits below evaluation and imports only from below it. So the page asks
this registry: an app above training registers one :class:`RunPanel` in its
``AppConfig.ready`` (the evaluation app does), and the run page appends each panel's charts
to the run's own (on the page and in its polls alike, so both agree) and merges each
panel's context into the page's. The template reads those context names; with no panel
registered they are absent and the page shows what it shows for a run without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.core.charts import ChartSpec
from webapp.training.models import TrainingRun


@dataclass(frozen=True)
class RunPanel:
    """One app's part of a run's page."""

    #: Charts drawn after the run's own curves (``[]`` when the run has none of them).
    charts: Callable[[TrainingRun], list[ChartSpec]]
    #: Names the run page's template reads (``{}`` when there is nothing to add).
    context: Callable[[TrainingRun], dict[str, Any]]


#: Panels by app label, in registration order (the order of ``INSTALLED_APPS``).
_PANELS: dict[str, RunPanel] = {}


def register_run_panel(app: str, panel: RunPanel) -> None:
    """Add ``app``'s panel to every run's page (registering again replaces it)."""
    _PANELS[app] = panel


def panel_charts(run: TrainingRun) -> list[ChartSpec]:
    """Every registered panel's charts of ``run``, in registration order."""
    return [chart for panel in _PANELS.values() for chart in panel.charts(run)]


def panel_context(run: TrainingRun) -> dict[str, Any]:
    """Every registered panel's context of ``run``, merged."""
    context: dict[str, Any] = {}
    for panel in _PANELS.values():
        context |= panel.context(run)
    return context


# --- the overlay page (several runs' curves on one chart) ------------------------------------

#: One run's curve: ``(step, value, low, high)`` rows in step order (low/high None without
#: an interval).
Curve = list[tuple[int, float | None, float | None, float | None]]


@dataclass(frozen=True)
class OverlayMetric:
    """A curve an app above training draws for each run on the overlay page (evaluation
    adds pass@1 over steps)."""

    id: str
    title: str
    axis: str
    description: str
    #: Each run's curve by run id (runs without one are left out).
    curves: Callable[[list[TrainingRun]], dict[int, Curve]]
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class RunSource:
    """A way to pick runs for the overlay by a query parameter (studies add ``?study=N``):
    ``runs(value)`` gives a caption (``study 4 "sft vs rl"``) and the run ids, or None when
    the value names nothing."""

    param: str
    runs: Callable[[str], tuple[str, list[int]] | None]


_OVERLAY_METRICS: dict[str, OverlayMetric] = {}
_RUN_SOURCES: dict[str, RunSource] = {}


def register_overlay_metric(metric: OverlayMetric) -> None:
    """Add ``metric``'s chart to the overlay page (registering again replaces it)."""
    _OVERLAY_METRICS[metric.id] = metric


def overlay_metrics() -> list[OverlayMetric]:
    """The registered overlay metrics, in registration order."""
    return list(_OVERLAY_METRICS.values())


def register_run_source(source: RunSource) -> None:
    """Let the overlay pick runs by ``?<source.param>=``."""
    _RUN_SOURCES[source.param] = source


def run_sources() -> list[RunSource]:
    """The registered ways to pick runs."""
    return list(_RUN_SOURCES.values())
