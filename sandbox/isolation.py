"""The isolation layers: what each sandboxed process gets, and the report of which layers
are active.

Layers, each recorded in every verdict's ``isolation`` string:
- ``namespaces``: the worker is PID 1 of its own PID namespace (when it dies, everything
  below it dies) with its own network (no interfaces up), mount, IPC and UTS namespaces, and
  a private root: the system directories and the Python installation bind-mounted
  read-only, a few /etc and /dev files, a fresh /proc that hides other users' processes,
  and size-limited tmpfs on /tmp, /var/tmp and /dev/shm, emptied between programs. The
  host's files (home directories, the repository, secrets) are simply not there.
- ``uid``: each worker slot runs programs under two unprivileged uids of its own (the
  candidate's and the test's), so ``RLIMIT_NPROC`` is per slot and neither side can signal,
  trace or read the other.
- ``seccomp``: see ``sandbox.seccomp``.
- ``rlimits``: address space, CPU time, file size (the output cap), open files, processes.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

LAYERS = ("namespaces", "seccomp", "uid", "rlimits")
ENV_REQUIRE = "SANDBOX_REQUIRE_ISOLATION"


class IsolationError(RuntimeError):
    """A required isolation layer is unavailable."""


@dataclasses.dataclass
class IsolationReport:
    """Which layers are active, and why the others are not."""

    layers: dict[str, bool]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def summary(self) -> str:
        """Active layers joined by ``+`` (e.g. ``namespaces+seccomp+uid+rlimits``)."""
        return "+".join(name for name in LAYERS if self.layers.get(name)) or "none"

    @property
    def missing(self) -> list[str]:
        """Layers that are not active."""
        return [name for name in LAYERS if not self.layers.get(name)]

    @property
    def complete(self) -> bool:
        """True when every layer is active."""
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "summary": self.summary,
            "layers": dict(self.layers),
            "errors": dict(self.errors),
            "complete": self.complete,
        }


def require_isolation_from_env() -> bool:
    """``SANDBOX_REQUIRE_ISOLATION``: ``1``/``true``/``yes`` make a missing layer an error."""
    raw = os.environ.get(ENV_REQUIRE, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{ENV_REQUIRE} must be a boolean (1/0, true/false), got {raw!r}")
