"""Worker settings from the environment, validated with one-line errors (no Django here)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit


class WorkerSettingsError(Exception):
    """A worker setting is missing or malformed; the message is one line for a person."""


@dataclass(frozen=True)
class WorkerSettings:
    """What the GPU worker reads from its environment."""

    redis_url: str
    artifact_root: str
    #: Seconds before Redis re-delivers an unacknowledged message (BROKER_VISIBILITY_TIMEOUT_SECONDS,
    #: the same variable and default as the Django side; README "Jobs").
    visibility_timeout_seconds: int
    #: Each job in a pool child of its own that exits when the job ends, so memory, CUDA
    #: contexts and file handles never carry over to the next job (ATOMLAB_GPU_FRESH_PROCESS,
    #: default 1; 0 keeps one child for every job, as before). README "The GPU worker on its own".
    fresh_process_per_job: bool = True


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise WorkerSettingsError(f"{name}={raw!r} is not an integer") from None


def _visibility_timeout() -> int:
    value = _int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 600)
    if value < 60:
        raise WorkerSettingsError(f"BROKER_VISIBILITY_TIMEOUT_SECONDS={value} is below the minimum of 60")
    return value


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise WorkerSettingsError(f"{name}={raw!r} is not a flag; use 1 or 0")


def load() -> WorkerSettings:
    """Read and validate the environment."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        raise WorkerSettingsError(f"REDIS_URL={redis_url!r} is not a Redis URL; use redis://host:6379/0")
    try:
        parts.port  # noqa: B018  # urlsplit validates the port lazily, on access
    except ValueError:
        raise WorkerSettingsError(f"REDIS_URL: the port in {parts.netloc!r} is not a number") from None
    return WorkerSettings(
        redis_url=redis_url,
        artifact_root=os.environ.get("ARTIFACT_ROOT", "./var/artifacts"),
        visibility_timeout_seconds=_visibility_timeout(),
        fresh_process_per_job=_flag("ATOMLAB_GPU_FRESH_PROCESS", True),
    )


def load_or_exit() -> WorkerSettings:
    """:func:`load`, or one line on stderr and exit status 2."""
    try:
        return load()
    except WorkerSettingsError as exc:
        print(f"training_worker: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def heartbeat_seconds() -> float:
    """Seconds between a running job's heartbeats (``ATOMLAB_HEARTBEAT_SECONDS``, default 10):
    the Redis key ``atomlab:job:<id>:heartbeat`` and a ``heartbeat`` event."""
    raw = os.environ.get("ATOMLAB_HEARTBEAT_SECONDS", "10")
    try:
        value = float(raw)
    except ValueError:
        raise WorkerSettingsError(f"ATOMLAB_HEARTBEAT_SECONDS={raw!r} is not a number") from None
    if not 0.1 <= value <= 3600:
        raise WorkerSettingsError(f"ATOMLAB_HEARTBEAT_SECONDS={raw!r} must be in [0.1, 3600]")
    return value
