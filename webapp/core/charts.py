"""Chart specs: what a page (``core/chart.html``, drawn by ``core/charts.js``) and an
exported figure (``webapp.core.figures``) show, as typed dataclasses with no Django models.

A view builds a :class:`ChartSpec` from its selectors and passes it to the include::

    spec = ChartSpec(id="loss", kind="line", title="Training loss", x_title="step",
                     y_axes=(Axis("loss", log=True),), series=(Series("loss", steps, losses),),
                     poll_url=reverse("run-metrics", args=[run.pk]) if not run.finished else "")

    {% include "core/chart.html" with spec=spec %}

While a run is on, the chart asks ``poll_url?after=<last step it has>`` every ``interval``
seconds; that view answers with :func:`poll_response` built from the same specs, and the
chart stops asking once the answer says ``finished``.

Three kinds: ``line`` (series over steps; one or two y-axes, each linear or log), ``factor``
(x is a numeric factor such as a composite share; intervals as shaded bands or whiskers) and
``bar`` (one bar per category and series, intervals as whiskers).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from django.http import HttpRequest, JsonResponse

ChartKind = Literal["line", "factor", "bar"]
IntervalStyle = Literal["band", "whiskers"]
ChartSize = Literal["small", "medium", "large"]

#: Okabe & Ito's palette, ordered for a white background (their yellow, hard to see on white,
#: comes last): distinguishable with the common colour-vision deficiencies. charts.js and
#: figures.py both read it from here (the JSON carries each series' colour).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
Number = float | int
XValue = Number | str


class HasInterval(Protocol):
    """Anything with a value and its interval (evaluation's ``Estimate`` is one)."""

    @property
    def value(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...


class ChartSpecError(ValueError):
    """A spec that cannot be drawn (a programming error in the view that built it)."""


def _finite(value: float | int | None) -> float | int | None:
    """JSON has no NaN or infinity (``JSON.parse`` rejects them): a diverged loss is a gap."""
    if value is None:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Axis:
    """A y-axis: its title, scale, and optional fixed bounds (pass rates: 0 to 1)."""

    title: str
    log: bool = False
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Series:
    """One named series: ``x`` (steps, factor values, or category names for bars), ``y`` and,
    when it has intervals, ``low``/``high`` of the same length. ``key`` identifies the series
    across polls (defaults to ``label``); ``axis`` is the index of its y-axis in the chart.
    ``x_alt`` is a second x for each point (a run's wall time), which a chart whose spec names
    ``x_alt_title`` lets the reader switch to."""

    label: str
    x: Sequence[XValue]
    y: Sequence[Number | None]
    low: Sequence[Number | None] | None = None
    high: Sequence[Number | None] | None = None
    axis: int = 0
    key: str = ""
    x_alt: Sequence[Number | None] | None = None

    def __post_init__(self) -> None:
        # Stored as tuples: a spec is a value, and the view's lists must not change under it.
        object.__setattr__(self, "x", tuple(self.x))
        object.__setattr__(self, "y", tuple(self.y))
        if not self.key:
            object.__setattr__(self, "key", self.label)
        n = len(self.x)
        if len(self.y) != n:
            raise ChartSpecError(f"series {self.label!r}: {n} x values but {len(self.y)} y values")
        if (self.low is None) != (self.high is None):
            raise ChartSpecError(f"series {self.label!r}: give both low and high, or neither")
        for name in ("low", "high", "x_alt"):
            values = getattr(self, name)
            if values is not None:
                object.__setattr__(self, name, tuple(values))
                if len(values) != n:
                    raise ChartSpecError(
                        f"series {self.label!r}: {n} x values but {len(values)} {name} values"
                    )

    @classmethod
    def from_points(
        cls, label: str, points: Iterable[tuple[XValue, Number | None]], *, axis: int = 0, key: str = ""
    ) -> Series:
        """A series from ``(x, y)`` pairs, e.g. ``(step, value)`` rows of a metrics selector."""
        pairs = list(points)
        return cls(label, [p[0] for p in pairs], [p[1] for p in pairs], axis=axis, key=key)

    @classmethod
    def from_estimates(
        cls,
        label: str,
        x: Sequence[XValue],
        estimates: Sequence[HasInterval],
        *,
        axis: int = 0,
        key: str = "",
    ) -> Series:
        """A series with intervals from estimates (anything with ``value``, ``low``, ``high``)."""
        return cls(
            label,
            x,
            [e.value for e in estimates],
            low=[e.low for e in estimates],
            high=[e.high for e in estimates],
            axis=axis,
            key=key,
        )

    @property
    def has_intervals(self) -> bool:
        """Whether the series carries low/high bounds."""
        return self.low is not None

    def after(self, step: float | None) -> Series:
        """The same series holding only the points with ``x > step`` (all when ``step`` is None)."""
        if step is None:
            return self
        keep = [i for i, x in enumerate(self.x) if not isinstance(x, str) and x > step]

        def pick(values: Sequence[Any]) -> list[Any]:
            return [values[i] for i in keep]

        return Series(
            self.label,
            pick(self.x),
            pick(self.y),
            low=pick(self.low) if self.low is not None else None,
            high=pick(self.high) if self.high is not None else None,
            axis=self.axis,
            key=self.key,
            x_alt=pick(self.x_alt) if self.x_alt is not None else None,
        )

    def to_json(self, colour: str) -> dict[str, Any]:
        """The series as charts.js reads it (non-finite numbers become null)."""
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "axis": self.axis,
            "colour": colour,
            "x": [x if isinstance(x, str) else _finite(x) for x in self.x],
            "y": [_finite(v) for v in self.y],
        }
        if self.low is not None and self.high is not None:
            data["low"] = [_finite(v) for v in self.low]
            data["high"] = [_finite(v) for v in self.high]
        if self.x_alt is not None:
            data["x_alt"] = [_finite(v) for v in self.x_alt]
        return data


@dataclass(frozen=True)
class ChartSpec:
    """Everything one chart shows. ``id`` is unique on its page and stable across polls;
    ``title`` is the caption; ``description`` an optional sentence under it. ``poll_url``
    (line charts only) makes the chart live: set it only while the thing it shows can still
    change, and answer it with :func:`poll_response`. ``x_alt_title`` names the series'
    ``x_alt`` (the reader may switch x to it, see ``core/chart_controls.html``); ``csv_url``
    makes Download CSV fetch the data from the server (a chart drawn from fewer points than
    it has: the CSV keeps every one)."""

    id: str
    kind: ChartKind
    title: str
    x_title: str
    y_axes: tuple[Axis, ...]
    series: tuple[Series, ...]
    description: str = ""
    x_log: bool = False
    #: Ticks only at the x values the series hold (k of pass@k: 1, 2, 5, 10, never 1.1).
    x_integer: bool = False
    intervals: IntervalStyle = "band"
    size: ChartSize = "medium"
    poll_url: str = ""
    interval: float = 2.0
    colours: dict[str, str] = field(default_factory=dict)
    x_alt_title: str = ""
    csv_url: str = ""
    #: Line charts only: the series of the first y-axis drawn as stacked areas (parts of a
    #: whole, such as a step's time split into its stages).
    stacked: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "y_axes", tuple(self.y_axes))
        object.__setattr__(self, "series", tuple(self.series))
        if not _ID.match(self.id):
            raise ChartSpecError(
                f"chart id {self.id!r}: lower-case letters, digits, - and _, starting with a letter"
            )
        if self.kind not in ("line", "factor", "bar"):
            raise ChartSpecError(f"chart {self.id}: unknown kind {self.kind!r}")
        if not 1 <= len(self.y_axes) <= 2:
            raise ChartSpecError(f"chart {self.id}: one or two y-axes, not {len(self.y_axes)}")
        if self.kind == "bar" and (self.x_log or any(a.log for a in self.y_axes)):
            raise ChartSpecError(
                f"chart {self.id}: bars need linear scales (a bar's length from 0 means nothing on log)"
            )
        keys = [s.key for s in self.series]
        if len(set(keys)) != len(keys):
            raise ChartSpecError(f"chart {self.id}: two series share a key ({keys})")
        for s in self.series:
            if self.x_alt_title and s.x_alt is None:
                raise ChartSpecError(f"chart {self.id}: series {s.label!r} has no x_alt ({self.x_alt_title})")
            if not 0 <= s.axis < len(self.y_axes):
                raise ChartSpecError(f"chart {self.id}: series {s.label!r} names y-axis {s.axis}")
            categorical = [isinstance(x, str) for x in s.x]
            if self.kind == "bar" and not all(categorical):
                raise ChartSpecError(f"chart {self.id}: bar series {s.label!r} needs category names as x")
            if self.kind != "bar" and any(categorical):
                raise ChartSpecError(f"chart {self.id}: series {s.label!r} needs numbers as x")
        if self.stacked and (self.kind != "line" or any(s.axis for s in self.series)):
            raise ChartSpecError(f"chart {self.id}: only a line chart's first y-axis stacks")
        if self.poll_url:
            if self.kind != "line":
                raise ChartSpecError(
                    f"chart {self.id}: only line charts poll (refresh others with job-finished)"
                )
            if not self.interval > 0:
                raise ChartSpecError(f"chart {self.id}: a polling chart needs an interval > 0 s")

    @property
    def element_id(self) -> str:
        """The id of the ``<figure>`` on the page."""
        return f"chart-{self.id}"

    @property
    def json_id(self) -> str:
        """The id of the ``<script type="application/json">`` holding the spec."""
        return f"chart-{self.id}-spec"

    @property
    def x_ticks(self) -> list[float | int]:
        """With ``x_integer``, the distinct whole x values of the series, in order (where an
        axis of k puts its ticks); empty otherwise."""
        if not self.x_integer:
            return []
        values = {x for s in self.series for x in s.x if not isinstance(x, str) and float(x).is_integer()}
        return sorted(values)

    @property
    def categories(self) -> list[str]:
        """A bar chart's categories, in order of first appearance across its series."""
        seen: dict[str, None] = {}
        for s in self.series:
            for x in s.x:
                seen.setdefault(str(x), None)
        return list(seen)

    def colour(self, index: int, key: str) -> str:
        """The colour of the series ``key`` at position ``index`` (``colours`` overrides)."""
        return self.colours.get(key) or PALETTE[index % len(PALETTE)]

    def series_json(self, series: Iterable[Series]) -> list[dict[str, Any]]:
        """``series`` in charts.js's form, coloured by their position in this chart (a series
        that first appears in a poll answer keeps the colour it has on a reloaded page)."""
        position = {s.key: i for i, s in enumerate(self.series)}
        return [s.to_json(self.colour(position.get(s.key, 0), s.key)) for s in series]

    def to_json(self) -> dict[str, Any]:
        """The whole spec as charts.js reads it (the template passes it to ``json_script``)."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "description": self.description,
            "x": {"title": self.x_title, "log": self.x_log, "integer": self.x_integer},
            "y_axes": [{"title": a.title, "log": a.log, "min": a.min, "max": a.max} for a in self.y_axes],
            "intervals": "whiskers" if self.kind == "bar" else self.intervals,
            "series": self.series_json(self.series),
        }
        if self.stacked:
            data["stacked"] = True
        if self.kind == "bar":
            data["categories"] = self.categories
        if self.poll_url:
            data["poll_url"] = self.poll_url
            data["interval"] = self.interval
        if self.x_alt_title:
            data["x_alt"] = {"title": self.x_alt_title}
        if self.csv_url:
            data["csv_url"] = self.csv_url
        return data

    def to_csv(self) -> str:
        """The chart's data in long form (``series,x,y,low,high``, then the ``x_alt`` column
        when the spec has one), as its Download CSV link writes it in the browser."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        alt = [self.x_alt_title] if self.x_alt_title else []
        writer.writerow(["series", self.x_title or "x", "y", "low", "high", *alt])
        for s in self.series:
            for i, x in enumerate(s.x):
                low = s.low[i] if s.low is not None else None
                high = s.high[i] if s.high is not None else None
                extra = [s.x_alt[i]] if alt and s.x_alt is not None else []
                writer.writerow([s.label, x, *("" if v is None else v for v in (s.y[i], low, high, *extra))])
        return out.getvalue()


def chart_update(specs: Iterable[ChartSpec], *, after: float | None, finished: bool) -> dict[str, Any]:
    """What a poll answers: per chart id, the points of each series with ``x > after``
    (series with none left out), and whether the charts may stop asking."""
    charts: dict[str, Any] = {}
    for spec in specs:
        fresh = [s.after(after) for s in spec.series]
        fresh = [s for s in fresh if s.x]
        if fresh:
            charts[spec.id] = {"series": spec.series_json(fresh)}
    return {"finished": finished, "charts": charts}


def parse_after(value: str | None) -> float | None:
    """The ``after`` query parameter: a finite number, or None when absent or empty.
    Raises ``ValueError`` for anything else."""
    if value is None or value == "":
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"after={value!r} is not a finite number")
    return number


def poll_response(request: HttpRequest, specs: Iterable[ChartSpec], *, finished: bool) -> JsonResponse:
    """A poll view's whole answer: the points after ``?after=`` of the same specs the page
    was drawn from, and ``finished`` (the charts stop polling when it is true)."""
    try:
        after = parse_after(request.GET.get("after"))
    except ValueError:
        return JsonResponse({"error": "after must be a number (the last step the chart has)"}, status=400)
    response = JsonResponse(chart_update(specs, after=after, finished=finished))
    response["Cache-Control"] = "no-store"
    return response
