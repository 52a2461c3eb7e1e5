"""The app's URLs plus a test-only page showing every kind of chart, and live feeds that grow
by two steps per request until they say finished (the way a run's metrics view will)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

from webapp.core.charts import Axis, ChartSpec, Series, poll_response
from webapp.urls import urlpatterns as app_urlpatterns

FIRST_STEPS = 4  # what the page holds when it is drawn
LAST_STEP = 11  # a feed is finished once it has served steps 0..11 (12 points per series)
TAMPERING_FROM = 6  # a series that only exists from this step on (a category first seen late)


@dataclass
class Feed:
    """One live source: how often it was asked, and with which ``after``."""

    interval: float
    fail_calls: frozenset[int] = frozenset()  # these requests (1 = the first) answer 503
    calls: int = 0
    served: int = 0
    afters: list[str | None] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return min(FIRST_STEPS + 2 * self.served, LAST_STEP + 1)


FEEDS: dict[str, Feed] = {}


def reset(**feeds: float | Feed) -> None:
    """Start the named feeds afresh (called by the test before it opens the page); a number
    is the feed's polling interval in seconds."""
    FEEDS.clear()
    FEEDS.update({name: f if isinstance(f, Feed) else Feed(interval=f) for name, f in feeds.items()})


def run_charts(name: str, steps: int) -> list[ChartSpec]:
    """The specs of a run-like page after ``steps`` steps: the same function draws the page
    and answers its polls, as a real run page's view and poll view share a selector."""
    xs = list(range(steps))
    feed = FEEDS[name]
    live = f"/charts-test/feed/{name}" if steps <= LAST_STEP else ""
    reward = [Series("mean reward", xs, [min(1.0, 0.1 + 0.08 * s) for s in xs])]
    late = [s for s in xs if s >= TAMPERING_FROM]
    if late:
        reward.append(
            Series("tampering share", late, [0.05 / (1 + s - TAMPERING_FROM) for s in late], axis=1)
        )
    return [
        ChartSpec(
            id=f"{name}-loss",
            kind="line",
            title="Training loss and learning rate",
            x_title="step",
            y_axes=(Axis("loss", log=True), Axis("learning rate")),
            series=(
                Series("loss", xs, [2.4 * math.exp(-s / 4) + 0.05 for s in xs]),
                Series("learning rate", xs, [1e-4 * min(1.0, (s + 1) / 4) for s in xs], axis=1),
            ),
            poll_url=live,
            interval=feed.interval,
        ),
        ChartSpec(
            id=f"{name}-reward",
            kind="line",
            title="Reward and tampering",
            description="The tampering share first appears at step 6.",
            x_title="step",
            y_axes=(Axis("mean reward", min=0, max=1), Axis("share of rollouts", min=0)),
            series=tuple(reward),
            poll_url=live,
            interval=feed.interval,
            size="small",
        ),
    ]


SHARES = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0]


def study_charts() -> list[ChartSpec]:
    """A factor chart with bands, one with whiskers, and bars with whiskers."""
    arms = ["SFT", "RL from base", "SFT → RL"]
    factor = ChartSpec(
        id="share-band",
        kind="factor",
        title="pass@1 against composite share",
        x_title="composite share",
        y_axes=(Axis("pass@1", min=0, max=1),),
        series=(
            Series(
                "SFT",
                SHARES,
                [0.3 + 0.3 * x for x in SHARES],
                low=[0.25 + 0.3 * x for x in SHARES],
                high=[0.35 + 0.3 * x for x in SHARES],
            ),
            Series(
                "SFT → RL",
                SHARES,
                [0.35 + 0.4 * x for x in SHARES],
                low=[0.3 + 0.4 * x for x in SHARES],
                high=[0.41 + 0.4 * x for x in SHARES],
            ),
        ),
    )
    whiskers = replace(
        factor, id="share-whiskers", intervals="whiskers", title="pass@1 against composite share (whiskers)"
    )
    bars = ChartSpec(
        id="arms",
        kind="bar",
        title="pass@k per arm",
        x_title="arm",
        y_axes=(Axis("pass rate", min=0, max=1),),
        series=(
            Series("pass@1", arms, [0.41, 0.38, 0.55], low=[0.36, 0.33, 0.5], high=[0.46, 0.43, 0.6]),
            Series("pass@5", arms, [0.6, 0.57, 0.72], low=[0.55, 0.52, 0.68], high=[0.65, 0.62, 0.76]),
        ),
    )
    return [factor, whiskers, bars]


PAGE = """{% extends "base.html" %}
{% block content %}
<h1>Charts</h1>
<div class="two">
{% for spec in run %}{% include "core/chart.html" with spec=spec %}{% endfor %}
</div>
<div class="two">
{% for spec in study %}{% include "core/chart.html" with spec=spec %}{% endfor %}
{% include "core/chart.html" with src="/charts-test/spec.json" id="fetched" title="Fetched as JSON" %}
</div>
{% endblock %}"""


@login_not_required
def page(request: HttpRequest, name: str) -> HttpResponse:
    html = (
        engines["django"]
        .from_string(PAGE)
        .render({"run": run_charts(name, FIRST_STEPS), "study": study_charts()}, request)
    )
    return HttpResponse(html)


@login_not_required
def feed(request: HttpRequest, name: str) -> JsonResponse:
    state = FEEDS[name]
    state.calls += 1
    state.afters.append(request.GET.get("after"))
    if state.calls in state.fail_calls:
        return JsonResponse({"error": "the database is restarting"}, status=503)
    state.served += 1
    return poll_response(request, run_charts(name, state.steps), finished=state.steps > LAST_STEP)


@login_not_required
def spec_json(request: HttpRequest) -> JsonResponse:
    bars = study_charts()[2]
    return JsonResponse(replace(bars, id="fetched", title="Fetched as JSON").to_json())


urlpatterns = [
    path("charts-test/<slug:name>/", page),
    path("charts-test/feed/<slug:name>", feed),
    path("charts-test/spec.json", spec_json),
    *app_urlpatterns,
]
