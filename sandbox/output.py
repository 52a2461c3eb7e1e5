"""Program output: the per-stream cap inside the sandbox and the trimming for results."""

from __future__ import annotations

import io
import os
from typing import Any

#: How much of stdout/stderr a result keeps (head and tail, see ``trim_output``).
OUTPUT_KEEP_BYTES = 4096


class CappedRaw(io.RawIOBase):
    """Writes to ``fd`` until ``limit`` bytes, then silently drops the rest, so a chatty
    but correct program is not punished; the file-size rlimit backs it up for raw writes."""

    def __init__(self, fd: int, limit: int) -> None:
        super().__init__()
        self._fd, self._room = fd, limit

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        if self._room > 0:
            chunk = view[: self._room]
            self._room -= len(chunk)
            while chunk:
                try:
                    chunk = chunk[os.write(self._fd, chunk) :]
                except OSError:
                    self._room = 0
                    break
        return size


def capped_text(fd: int, limit: int) -> io.TextIOWrapper:
    """A text stream on ``fd`` that keeps at most ``limit`` bytes."""
    raw = io.BufferedWriter(CappedRaw(fd, limit), 8192)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace")


def trim_output(data: bytes, keep: int = OUTPUT_KEEP_BYTES, total: int | None = None) -> str:
    """Decode program output, keeping the head and the tail when it is longer than ``keep``.

    ``data`` may already be a head+tail excerpt of a longer stream of ``total`` bytes."""
    total = len(data) if total is None else total
    if total <= keep:
        return data.decode("utf-8", errors="replace")
    half = keep // 2
    head = data[:half].decode("utf-8", errors="replace")
    tail = data[-half:].decode("utf-8", errors="replace")
    return f"{head}\n…[{total - 2 * half} bytes trimmed]…\n{tail}"


def read_trimmed(fd: int, keep: int = OUTPUT_KEEP_BYTES) -> str:
    """Head and tail of the file behind ``fd`` (a memfd the program wrote to)."""
    size = os.fstat(fd).st_size
    if size <= keep:
        return trim_output(os.pread(fd, size, 0))
    half = keep // 2
    return trim_output(os.pread(fd, half, 0) + os.pread(fd, half, size - half), keep, size)
