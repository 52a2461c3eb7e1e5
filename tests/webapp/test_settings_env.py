"""Bad settings fail at start-up with one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.env import SettingsError, env_bool, env_int, parse_database_url, parse_redis_url

REPO = Path(__file__).resolve().parents[2]


def run_manage(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL='nonsense' is not a database URL"),
        (
            {"DATABASE_URL": "postgres://u@localhost:abc/db"},
            "DATABASE_URL: the port in 'u@localhost:abc' is not a number",
        ),
        ({"REDIS_URL": "redis://localhost:sixthousand/0"}, "REDIS_URL: the port"),
        ({"REDIS_URL": "http://localhost/"}, "is not a Redis URL"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"BROKER_VISIBILITY_TIMEOUT_SECONDS": "1h"},
            "BROKER_VISIBILITY_TIMEOUT_SECONDS='1h' is not an integer",
        ),
        ({"JOB_REAP_AFTER_SECONDS": "5"}, "job limits must grow"),
        ({"ATOMLAB_ENV": "production"}, "SECRET_KEY is not set; production refuses to start"),
    ],
)
def test_bad_setting_gives_one_line_and_exit_status_2(overrides: dict[str, str], needle: str) -> None:
    result = run_manage(overrides)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("atomlab: configuration error: ")
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_good_settings_pass_the_django_checks() -> None:
    result = run_manage({"DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_postgres_url_is_parsed_into_django_fields() -> None:
    db = parse_database_url("DATABASE_URL", "postgres://al%40x:s%3Acret@db.local:6543/atomlab", Path("/r"))
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "al@x",
        "s:cret",
        "db.local",
        "6543",
        "atomlab",
    )


def test_sqlite_urls_are_relative_to_the_repo_or_absolute() -> None:
    assert parse_database_url("D", "sqlite:///var/x.db", Path("/r"))["NAME"] == "/r/var/x.db"
    assert parse_database_url("D", "sqlite:////tmp/x.db", Path("/r"))["NAME"] == "/tmp/x.db"
    with pytest.raises(SettingsError, match="needs a path"):
        parse_database_url("D", "sqlite://", Path("/r"))


def test_postgres_url_without_a_database_name_is_refused() -> None:
    with pytest.raises(SettingsError, match="no database name"):
        parse_database_url("DATABASE_URL", "postgres://localhost:5432", Path("/r"))


def test_typed_readers_accept_good_values_and_name_the_variable_on_bad_ones() -> None:
    assert env_bool("X", False, {"X": "Yes"}) is True
    assert env_bool("X", True, {"X": "off"}) is False
    assert env_int("N", 1, {"N": " 42 "}) == 42
    with pytest.raises(SettingsError, match="N=0 is below the minimum of 1"):
        env_int("N", 5, {"N": "0"}, minimum=1)
    assert parse_redis_url("R", "redis://h:6379/2") == "redis://h:6379/2"


def test_development_secret_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    from webapp.env import dev_secret_key

    first = dev_secret_key(tmp_path)
    assert len(first) > 40
    assert dev_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
