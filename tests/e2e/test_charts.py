"""The chart component (core/chart.html, core/charts.js, the vendored Chart.js) in Chromium
under the site's Content-Security-Policy: every kind draws, live charts append what a feed
serves after their last step and stop when it says finished, two charts on one feed share one
request loop, and the data is there as a table and a CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_until
from tests.e2e import chart_urls
from tests.e2e.test_csp import WATCH, violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var")


@pytest.fixture
def chart_site(settings: Any, live_server: Any) -> Any:
    settings.ROOT_URLCONF = "tests.e2e.chart_urls"
    return live_server


@pytest.fixture
def watched(page: Any) -> tuple[Any, list[str]]:
    console: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    return page, console


def attr(page: Any, selector: str, name: str) -> str:
    return str(page.get_attribute(selector, name))


def drawn_points(page: Any, chart_id: str, series: int = 0) -> int:
    """The point count of a series as Chart.js itself holds it (not the data attribute)."""
    return int(
        page.evaluate(
            f"Chart.getChart(document.querySelector('#chart-{chart_id} canvas'))"
            f".data.datasets.filter(d => !d.band)[{series}].data.length"
        )
    )


def test_a_live_chart_appends_polled_points_and_stops_when_the_feed_is_finished(
    watched: tuple[Any, list[str]], chart_site: Any
) -> None:
    page, console = watched
    chart_urls.reset(run=0.3)
    page.goto(f"{chart_site.url}/charts-test/run/")
    # Drawn from the embedded spec (steps 0..3: its first request asks for what comes after 3).
    drawn = "['live', 'finished'].includes(document.querySelector('#chart-run-loss')?.dataset.state)"
    wait_until(page, drawn)

    # Re-processing the page (as htmx does after a swap) must not start a second loop.
    page.evaluate("document.body.dispatchEvent(new CustomEvent('htmx:load', {bubbles: true}))")
    wait_until(page, "document.querySelector('#chart-run-loss').dataset.state === 'finished'", 30)
    wait_until(page, "document.querySelector('#chart-run-reward').dataset.state === 'finished'", 5)

    feed = chart_urls.FEEDS["run"]
    # 4 steps drawn, 2 more per answer, finished at 12: four requests for both charts together.
    assert feed.calls == 4
    assert feed.afters == ["3", "5", "7", "9"]
    assert attr(page, "#chart-run-loss", "data-points") == "24"
    assert attr(page, "#chart-run-loss", "data-last-x") == "11"
    assert drawn_points(page, "run-loss", 0) == 12 and drawn_points(page, "run-loss", 1) == 12
    # The series that first appeared at step 6 was added with its points, on the right axis.
    assert drawn_points(page, "run-reward", 1) == 6
    assert (
        page.evaluate(
            "Chart.getChart(document.querySelector('#chart-run-reward canvas')).data.datasets[1].yAxisID"
        )
        == "y1"
    )
    assert "finished at step 11" in page.inner_text("#chart-run-loss .chart-status")

    # Finished means finished: no request after the last one, however long the page stays.
    page.wait_for_timeout(2000)
    assert feed.calls == 4
    assert attr(page, "#chart-run-loss", "data-polls") == "4"
    assert attr(page, "#chart-run-reward", "data-polls") == "4"
    page.locator("#chart-run-loss").screenshot(path=str(SHOTS / "e2e-chart-line-finished.png"))
    page.locator("#chart-run-reward").screenshot(path=str(SHOTS / "e2e-chart-line-late-series.png"))
    assert violations(page, console) == []


def test_every_kind_draws_under_the_policy_with_its_axis_titles_and_a_table_and_csv(
    watched: tuple[Any, list[str]], chart_site: Any
) -> None:
    page, console = watched
    chart_urls.reset(still=600)  # never polls within the test
    page.goto(f"{chart_site.url}/charts-test/still/")
    for chart in ("share-band", "share-whiskers", "arms", "fetched"):
        wait_until(page, f"document.querySelector('#chart-{chart}')?.dataset.state === 'static'")
    page.screenshot(path=str(SHOTS / "e2e-charts-page.png"), full_page=True)
    for chart in ("share-band", "share-whiskers", "arms"):
        page.locator(f"#chart-{chart}").screenshot(path=str(SHOTS / f"e2e-chart-{chart}.png"))

    scales = page.evaluate(
        "(() => { const c = Chart.getChart(document.querySelector('#chart-still-loss canvas'));"
        " return [c.options.scales.x.title.text, c.options.scales.y.title.text, c.options.scales.y.type,"
        " c.options.scales.y1.title.text, c.options.scales.y1.type]; })()"
    )
    assert scales == ["step", "loss", "logarithmic", "learning rate", "linear"]
    # The band is two hidden datasets per series; the legend and the point count leave them out.
    assert attr(page, "#chart-share-band", "data-points") == "12"
    assert (
        page.evaluate(
            "Chart.getChart(document.querySelector('#chart-share-band canvas')).data.datasets.length"
        )
        == 6
    )
    assert page.evaluate(
        "Chart.getChart(document.querySelector('#chart-arms canvas')).legend.legendItems.map(i => i.text)"
    ) == ["pass@1", "pass@5"]
    # The same colours the server would use for exported figures, distinguishable by colour-blind readers.
    assert page.evaluate(
        "Chart.getChart(document.querySelector('#chart-arms canvas')).data.datasets.map(d => d.borderColor)"
    ) == ["#0072B2", "#E69F00"]
    assert page.get_attribute("#chart-arms canvas", "role") == "img"
    assert page.inner_text("#chart-fetched .chart-title") == "Fetched as JSON"

    # The data table, for screen readers and for reading exact numbers.
    page.click("#chart-arms .chart-data summary")
    rows = page.locator("#chart-arms .chart-data tbody tr")
    rows.first.wait_for()  # filled on the details' toggle event, which comes after the click
    assert rows.count() == 3
    page.locator("#chart-arms").screenshot(path=str(SHOTS / "e2e-chart-arms-table.png"))
    assert rows.nth(2).inner_text().split("\t") == ["SFT → RL", "0.55 [0.5, 0.6]", "0.72 [0.68, 0.76]"]

    # Download CSV writes the same long form as ChartSpec.to_csv on the server.
    with page.expect_download() as download:
        page.click("#chart-arms .chart-csv")
    assert download.value.suggested_filename == "arms.csv"
    text = Path(download.value.path()).read_text()
    spec = next(s for s in chart_urls.study_charts() if s.id == "arms")
    assert list(csv.reader(io.StringIO(text))) == list(csv.reader(io.StringIO(spec.to_csv())))
    assert violations(page, console) == []


def test_a_finished_job_makes_a_live_chart_ask_at_once_instead_of_at_its_next_interval(
    watched: tuple[Any, list[str]], chart_site: Any
) -> None:
    page, console = watched
    chart_urls.reset(slow=600)
    page.goto(f"{chart_site.url}/charts-test/slow/")
    wait_until(page, "document.querySelector('#chart-slow-loss')?.dataset.state === 'live'")
    assert chart_urls.FEEDS["slow"].calls == 0
    # What the job bar's last answer triggers (HX-Trigger: job-finished).
    page.evaluate("document.body.dispatchEvent(new CustomEvent('job-finished', {bubbles: true}))")
    wait_until(page, "document.querySelector('#chart-slow-loss').dataset.polls === '1'", 10)
    # One answer: steps 0..5 of both series.
    wait_until(page, "document.querySelector('#chart-slow-loss').dataset.points === '12'", 10)
    assert chart_urls.FEEDS["slow"].calls == 1
    assert violations(page, console) == []


def test_a_failed_poll_is_retried_from_the_same_step_and_the_chart_still_finishes(
    watched: tuple[Any, list[str]], chart_site: Any
) -> None:
    page, console = watched
    chart_urls.reset(flaky=chart_urls.Feed(interval=0.3, fail_calls=frozenset({2})))
    page.goto(f"{chart_site.url}/charts-test/flaky/")
    wait_until(page, "document.querySelector('#chart-flaky-loss').dataset.state === 'finished'", 30)
    feed = chart_urls.FEEDS["flaky"]
    assert feed.afters == ["3", "5", "5", "7", "9"]  # the 503 changed nothing; step 5 asked again
    assert attr(page, "#chart-flaky-loss", "data-points") == "24"
    # The browser logs the 503 itself; nothing else went wrong.
    assert [m for m in console if "503" not in m] == []
    assert violations(page, [m for m in console if "503" not in m]) == []


def test_a_live_chart_taken_off_the_page_stops_asking(
    watched: tuple[Any, list[str]], chart_site: Any
) -> None:
    page, console = watched
    chart_urls.reset(gone=0.3)
    page.goto(f"{chart_site.url}/charts-test/gone/")
    wait_until(page, "document.querySelector('#chart-gone-loss')?.dataset.polls === '1'", 15)
    page.evaluate(
        "document.querySelectorAll('#chart-gone-loss, #chart-gone-reward').forEach(e => e.remove())"
    )
    asked = chart_urls.FEEDS["gone"].calls
    page.wait_for_timeout(2000)
    # At most the request already in flight; none after it.
    assert chart_urls.FEEDS["gone"].calls <= asked + 1
    assert chart_urls.FEEDS["gone"].steps <= chart_urls.LAST_STEP  # it stopped before the feed finished
    assert violations(page, console) == []
