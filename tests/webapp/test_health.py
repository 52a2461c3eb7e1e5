"""/health tells the truth about the database, Redis and each queue's workers."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.urls import reverse


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis server of this test's own, so stopping it harms nothing else."""
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url, proc
    proc.kill()
    proc.wait()


def _row_state(html: str, check: str) -> str:
    row = html.split(f'data-check="{check}"', 1)[1].split("</tr>", 1)[0]
    return "up" if '"badge ok"' in row else "down"


def test_health_page_shows_redis_down_after_it_stops(
    client: Any, viewer: Any, settings: Any, own_redis: Any
) -> None:
    url, proc = own_redis
    settings.REDIS_URL = url
    client.force_login(viewer)
    from webapp.core import health

    assert health.check_redis().ok

    proc.kill()
    proc.wait()
    response = client.get(reverse("health"))
    html = response.content.decode()
    assert response.status_code == 503
    assert _row_state(html, "database") == "up"
    assert _row_state(html, "redis") == "down"
    assert "ConnectionError" in html
    for queue in ("cpu", "events", "gpu"):
        assert _row_state(html, f"queue {queue}") == "down"
    assert "unknown: Redis is down" in html


@pytest.mark.django_db(transaction=True)
def test_health_lists_the_online_worker_of_every_queue(
    client: Any, viewer: Any, celery_workers: dict[str, str]
) -> None:
    client.force_login(viewer)
    response = client.get(reverse("health") + "?format=json")
    payload = response.json()
    checks = {c["name"]: c for c in payload["checks"]}
    assert checks["database"]["ok"] and checks["redis"]["ok"]
    assert celery_workers["cpu"] in checks["queue cpu"]["detail"]
    assert celery_workers["cpu"] in checks["queue events"]["detail"]
    assert celery_workers["gpu"] in checks["queue gpu"]["detail"]
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_researcher_round_trip_gets_an_answer_from_every_queue(
    client: Any, researcher: Any, celery_workers: dict[str, str]
) -> None:
    client.force_login(researcher)
    response = client.post(reverse("health-roundtrip"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the htmx fragment, not the page
    for queue in ("cpu", "events", "gpu"):
        row = html.split(f'data-queue="{queue}"', 1)[1].split("</tr>", 1)[0]
        assert "answered" in row, row


def test_queue_without_a_worker_is_reported_as_down(settings: Any, monkeypatch: Any) -> None:
    from webapp.core import health

    monkeypatch.setitem(health.QUEUES, "nobody-listens-here", "a queue no worker consumes")
    checks = {c.name: c for c in health.check_queues(timeout=0.5)}
    assert checks["queue nobody-listens-here"].ok is False
    assert checks["queue nobody-listens-here"].detail == "no worker online"


def test_health_reports_the_sandbox_isolation_level(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    payload = client.get(reverse("health") + "?format=json").json()
    sandbox = {c["name"]: c for c in payload["checks"]}["sandbox"]
    # A real one-worker probe on this machine: every layer is set up (SANDBOX_NOTES.md).
    assert sandbox["ok"], sandbox
    assert sandbox["detail"].startswith("namespaces+seccomp+uid+rlimits (local pool)")


def test_health_says_the_sandbox_service_is_down_when_unreachable(
    client: Any, viewer: Any, settings: Any
) -> None:
    settings.SANDBOX_URL = f"http://127.0.0.1:{_free_port()}"
    client.force_login(viewer)
    response = client.get(reverse("health"))
    html = response.content.decode()
    assert response.status_code == 503
    assert _row_state(html, "sandbox") == "down"
    assert "Error" in html.split('data-check="sandbox"', 1)[1].split("</tr>", 1)[0]


def test_the_health_page_shows_at_once_and_fetches_the_queue_rows(
    client: Any, viewer: Any, monkeypatch: Any
) -> None:
    from webapp.core import health

    client.force_login(viewer)

    def slow(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the page itself must not wait for the workers")

    monkeypatch.setattr(health, "check_queues", slow)
    page = client.get(reverse("health")).content.decode()
    assert _row_state(page, "database") == "up" and 'data-check="sandbox"' in page
    rows = page.split('id="queue-rows"', 1)[1].split("</tbody>", 1)[0]
    assert 'hx-get="/health?part=queues" hx-trigger="load"' in rows and "checking…" in rows

    down = [health.Check("queue cpu", False, "no worker online")]
    monkeypatch.setattr(health, "check_queues", lambda: down)
    part = client.get(reverse("health") + "?part=queues", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and _row_state(part, "queue cpu") == "down" and "no worker online" in part


def test_health_names_the_one_of_two_sandbox_services_that_is_down(
    client: Any, viewer: Any, settings: Any
) -> None:
    from tests.sandbox.test_service_limits import service

    dead = f"http://127.0.0.1:{_free_port()}"
    client.force_login(viewer)
    with service() as (url, _):
        settings.SANDBOX_URL = f"{url},{dead}"
        payload = client.get(reverse("health") + "?format=json").json()
    sandbox = {c["name"]: c for c in payload["checks"]}["sandbox"]
    assert sandbox["ok"], sandbox  # judging goes on through the other one
    assert f"1 of 2 services not ok: {dead} (sandbox service at {dead} unreachable:" in sandbox["detail"]
    settings.SANDBOX_URL = f"{dead},{dead.replace('127.0.0.1', 'localhost')}"
    payload = client.get(reverse("health") + "?format=json").json()
    sandbox = {c["name"]: c for c in payload["checks"]}["sandbox"]
    assert not sandbox["ok"] and "every sandbox service failed (2 tried)" in sandbox["detail"]
