"""Typed readers for settings that come from the environment.

Each reader fails with :class:`SettingsError`, whose message is one line naming the
variable and what is wrong with it. Entry points (``manage.py``, WSGI, Celery) turn that
into a single line on stderr and exit status 2 instead of a traceback.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class SettingsError(Exception):
    """A setting is missing or malformed; the message is meant for a person, on one line."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, env: Mapping[str, str] = os.environ) -> str:
    """The variable's value, or ``default`` when it is unset."""
    return env.get(name, default)


def env_bool(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    """A boolean written as 1/0, true/false, yes/no or on/off (any case)."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(
    name: str, default: int, env: Mapping[str, str] = os.environ, *, minimum: int | None = None
) -> int:
    """An integer, optionally bounded below."""
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name}={value} is below the minimum of {minimum}")
    return value


def env_list(name: str, default: list[str], env: Mapping[str, str] = os.environ) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    raw = env.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _port(name: str, raw_url: str) -> int | None:
    """The URL's port, or a one-line error naming the variable when it is not a number."""
    try:
        return urlsplit(raw_url).port
    except ValueError:
        netloc = urlsplit(raw_url).netloc
        raise SettingsError(f"{name}: the port in {netloc!r} is not a number between 0 and 65535") from None


#: How long a SQLite writer waits for another's lock before "database is locked".
SQLITE_BUSY_SECONDS = 30


def parse_database_url(name: str, raw: str, base_dir: Path) -> dict[str, Any]:
    """A Django ``DATABASES['default']`` dict from ``sqlite:///path`` or ``postgres://...``.

    A relative SQLite path is taken from ``base_dir``; ``sqlite:///:memory:`` is allowed.
    """
    parts = urlsplit(raw)
    if parts.scheme == "sqlite":
        # As in dj-database-url: sqlite:///rel/path is relative, sqlite:////abs/path absolute.
        path = unquote(parts.path[1:]) if parts.netloc == "" else ""
        if not path:
            raise SettingsError(f"{name}={raw!r}: a SQLite URL needs a path (sqlite:///var/db.sqlite3)")
        if path != ":memory:" and not Path(path).is_absolute():
            path = str(base_dir / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # Concurrent writers (the web server's threads, the workers' processes) wait
                # for each other instead of failing with "database is locked": every
                # transaction takes the write lock when it begins (BEGIN IMMEDIATE), so none
                # fails half-way on upgrading a read lock, and a writer waits up to
                # SQLITE_BUSY_SECONDS for the lock. WAL lets readers go on during a write.
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_SECONDS,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        port = _port(name, raw)
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise SettingsError(f"{name}={raw!r}: no database name after the host (…/atomlab)")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port) if port else "",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise SettingsError(
        f"{name}={raw!r} is not a database URL; use postgres://user:pass@host:5432/name "
        "or sqlite:///var/atomlab.sqlite3"
    )


def parse_redis_url(name: str, raw: str) -> str:
    """A validated ``redis://`` or ``rediss://`` URL, returned unchanged."""
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(f"{name}={raw!r} is not a Redis URL; use redis://host:6379/0")
    if parts.scheme != "unix":
        _port(name, raw)
        if not parts.hostname:
            raise SettingsError(f"{name}={raw!r} has no host; use redis://host:6379/0")
    return raw


#: Django's own bar for a secret key (``security.W009``): long, varied, not a placeholder.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions in production, or ``None`` when it is fine."""
    if key.startswith("django-insecure"):
        return "SECRET_KEY is Django's insecure placeholder (django-insecure-…)"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is {len(key)} characters; production needs at least {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        need = SECRET_KEY_MIN_UNIQUE
        return f"SECRET_KEY uses {len(set(key))} distinct characters; production needs {need} or more"
    return None


def dev_secret_key(var_dir: Path) -> str:
    """A development secret generated once into ``var/secret_key`` and reused afterwards."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key
