"""Shared fixtures: users of each role, real Celery worker processes, a real browser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "pw-for-tests"


@pytest.fixture
def viewer(db: Any) -> Any:
    return UserFactory(username="vera", role="viewer")


@pytest.fixture
def researcher(db: Any) -> Any:
    return UserFactory(username="rita", role="researcher")


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(username="ada", role="admin", is_staff=True, is_superuser=True)


def _wait_for_worker(app: Any, name: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker {name} exited with {proc.returncode} before it was ready")
        replies = app.control.ping(destination=[name], timeout=0.5)
        if replies:
            return
    raise RuntimeError(f"worker {name} did not answer a ping within {timeout} s")


def _start_worker(
    app_module: str, queues: str, name: str, env: dict[str, str], pool: str = "solo"
) -> subprocess.Popen[bytes]:
    """A real worker process (``pool``: ``solo`` runs tasks in the worker itself; ``prefork``,
    as ``make run`` and production do, in a child the worker replaces when it dies)."""
    log = open(REPO / "var" / f"test-{name.split('@')[0]}.log", "wb")  # noqa: SIM115  # closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app_module,
            "worker",
            "-Q",
            queues,
            "-n",
            name,
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def worker_database_url() -> str:
    """The test database as a URL a worker process can open (the tests' PostgreSQL
    database, or the SQLite test file; an in-memory SQLite database cannot be shared)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:memorydb"):
            raise RuntimeError("worker processes need a file SQLite database (DATABASES TEST NAME)")
        return f"sqlite:///{name}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _point_app_at(app: Any, url: str) -> None:
    # The app caches its connection and producer pools; forget them so the next send
    # connects to ``url`` (what Celery itself does after a fork).
    app.conf.broker_url = url
    app._after_fork()


@pytest.fixture
def use_broker() -> Iterator[Any]:
    """Point this process's Django-side Celery app at another broker (a Redis of the
    test's own) until the test ends: call it with the URL."""
    from webapp.celery_app import app

    before = app.conf.broker_url

    def use(url: str) -> None:
        _point_app_at(app, url)

    yield use
    _point_app_at(app, before)


@pytest.fixture
def stack(tmp_path: Path, use_broker: Any) -> Iterator[Any]:
    """A Redis server, a prefork cpu worker (and beat on demand) of the test's own, with
    short job limits, and this process's Celery app pointed at that Redis
    (tests/procs.py ``Stack``). The test's database must be committed
    (``django_db(transaction=True)``) for the worker to see its rows."""
    from tests.procs import RedisServer, Stack

    redis = RedisServer(tmp_path).start()
    use_broker(redis.url)
    s = Stack(tmp_path, redis)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def celery_workers(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """Real worker processes: the Django-side one on ``cpu,events`` and the GPU-side one on
    ``gpu``, both against the test database and the test Redis. Yields their names."""
    from webapp.celery_app import app

    (REPO / "var").mkdir(exist_ok=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = worker_database_url()
    suffix = f"{os.getpid()}"
    names = {"cpu": f"cpu-{suffix}@test", "gpu": f"gpu-{suffix}@test"}
    app.control.purge()
    procs = [
        _start_worker("webapp.celery_app", "cpu,events", names["cpu"], env),
        _start_worker("training_worker.celery_app", "gpu", names["gpu"], env),
    ]
    try:
        for proc, name in zip(procs, names.values(), strict=True):
            _wait_for_worker(app, name, proc)
        yield names
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser builds)."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (creating users) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def wait_until(page: Any, expression: str, timeout_s: float = 15) -> None:
    """Poll ``expression`` in the page until it is truthy. Unlike ``page.wait_for_function``,
    which evaluates its string with ``eval`` inside the page, this goes through the DevTools
    protocol, which the site's Content-Security-Policy (no 'unsafe-eval') does not block."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
