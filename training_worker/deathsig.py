"""A child that dies with its parent: the kernel sends it SIGKILL when the process that
started it dies (Linux ``prctl(PR_SET_PDEATHSIG)``), so a killed worker never leaves a job, or
a job's rank, running on orphaned. Standard library only."""

from __future__ import annotations

import ctypes
import signal

_PR_SET_PDEATHSIG = 1

#: libc's prctl (Linux), looked up at import: between fork and exec a child only calls it.
_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)


def die_with_parent() -> bool:
    """Ask for SIGKILL when this process's parent dies; False where the system cannot."""
    return _prctl is not None and _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
