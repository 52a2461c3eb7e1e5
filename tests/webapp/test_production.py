"""Production settings: DEBUG off unless asked for, `check --deploy` clean, weak keys
refused, HTTPS on by default (off only when a plain-HTTP set-up says so), and styled 404
and 500 pages that give nothing away."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

REPO = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)


def manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process; no deployment has it.
        if k
        not in (
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "ATOMLAB_ENV",
            "ATOMLAB_PLAIN_HTTP",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env["DATABASE_URL"] = "sqlite:///:memory:"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def setting(name: str, **env: str) -> str:
    result = manage("shell", "-c", f"from django.conf import settings; print(settings.{name})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_make_run_serves_without_debug_unless_debug_1_is_set() -> None:
    assert setting("DEBUG", ATOMLAB_ENV="development") == "False"
    assert setting("DEBUG", ATOMLAB_ENV="development", DEBUG="1") == "True"


def test_check_deploy_is_clean_in_production() -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        ATOMLAB_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="atomlab.example",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_redirects_to_https_and_sends_hsts_by_default() -> None:
    env = {"ATOMLAB_ENV": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "x"}
    assert setting("SECURE_SSL_REDIRECT", **env) == "True"
    assert int(setting("SECURE_HSTS_SECONDS", **env)) >= 365 * 24 * 3600
    assert setting("SESSION_COOKIE_SECURE", **env) == "True"


def test_a_plain_http_set_up_turns_https_off_by_saying_so() -> None:
    env = {
        "ATOMLAB_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "x",
        "ATOMLAB_PLAIN_HTTP": "1",
    }
    assert setting("SECURE_SSL_REDIRECT", **env) == "False"
    assert setting("SECURE_HSTS_SECONDS", **env) == "0"
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("abcabcabc", "SECRET_KEY is 9 characters; production needs at least 50"),
        ("a" * 60, "SECRET_KEY uses 1 distinct characters; production needs 5 or more"),
        ("django-insecure-" + STRONG_KEY, "SECRET_KEY is Django's insecure placeholder"),
    ],
)
def test_production_refuses_a_weak_secret_key_in_one_line(key: str, needle: str) -> None:
    result = manage("check", ATOMLAB_ENV="production", SECRET_KEY=key, ALLOWED_HOSTS="x")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("atomlab: configuration error: ") and needle in line
    assert "secrets.token_urlsafe" in line  # and says how to make a good one


def test_production_refuses_debug_and_a_missing_allowed_hosts() -> None:
    result = manage("check", ATOMLAB_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="x", DEBUG="1")
    assert result.returncode == 2 and "DEBUG=1 is refused in production" in result.stderr
    result = manage("check", ATOMLAB_ENV="production", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 2 and "ALLOWED_HOSTS is not set" in result.stderr


def test_an_unknown_url_gets_the_styled_404_without_the_url_patterns(client: Client, researcher: Any) -> None:
    client.force_login(researcher)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "/no/such/page/" in html
    assert 'href="/static/core/app.css"' in html  # the site's layout, not Django's bare page
    assert "URLconf" not in html and "atoms/" not in html.split("</header>")[1]


def test_the_500_page_renders_with_the_layout_and_no_database() -> None:
    # No db fixture: pytest-django makes any query in here raise, so this proves none.
    request = RequestFactory().get("/anything")
    response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and 'href="/static/core/app.css"' in html
    assert "Traceback" not in html


@pytest.mark.django_db
def test_a_view_that_raises_answers_with_the_500_page(researcher: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.webapp.crash_urls"
    client = Client(raise_request_exception=False)
    client.force_login(researcher)
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "ZeroDivisionError" not in response.content.decode()
