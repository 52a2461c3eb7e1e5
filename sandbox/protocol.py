"""Length-prefixed frames over pipes, blocking or with a deadline.

Frames are read straight into a ``bytearray`` (``os.readv``), never through a buffered
reader: a reader's read-ahead would copy the next frame into this process's memory, and the
worker must not hold a test's source when it forks a candidate (see ``worker``)."""

from __future__ import annotations

import enum
import errno
import os
import select
import struct
import time

HEADER = struct.Struct(">I")
MAX_FRAME = 64 << 20


class ProtocolError(Exception):
    """A frame was truncated, oversized or malformed."""


class Recv(enum.Enum):
    """What a deadline-bound receive ended with."""

    FRAME = "frame"
    EOF = "eof"  # the writer closed its end
    TIMEOUT = "timeout"
    DEAD = "dead"  # the watched process exited without completing a frame
    TOO_BIG = "too_big"


def write_frame(fd: int, payload: bytes | bytearray | memoryview) -> None:
    """Write one frame, blocking until it is all written."""
    write_frames(fd, [payload])


def write_frames(fd: int, payloads: list[bytes | bytearray | memoryview]) -> None:
    """Write frames back to back, blocking. One system call when the pipe has room: a
    reader woken by a header alone would only have to sleep again."""
    parts: list[memoryview] = []
    for payload in payloads:
        parts += [memoryview(HEADER.pack(len(payload))), memoryview(payload).cast("B")]
    written = os.writev(fd, parts)
    for part in parts:
        if written >= len(part):
            written -= len(part)
            continue
        _write_all(fd, part[written:])
        written = 0


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact_into(fd: int, buf: bytearray | memoryview) -> bool:
    """Fill ``buf`` from ``fd``; False when the stream ends first."""
    view = memoryview(buf)
    while view:
        got = os.readv(fd, [view])
        if got == 0:
            return False
        view = view[got:]
    return True


def read_frame(fd: int, max_len: int = MAX_FRAME) -> bytearray | None:
    """Read one frame, blocking; ``None`` on a clean end of stream."""
    header = bytearray(HEADER.size)
    view = memoryview(header)
    got = os.readv(fd, [view])
    if got == 0:
        return None
    if got < HEADER.size and not read_exact_into(fd, view[got:]):
        raise ProtocolError("stream ended inside a frame header")
    (length,) = HEADER.unpack(header)
    if length > max_len:
        raise ProtocolError(f"frame of {length} bytes exceeds {max_len}")
    payload = bytearray(length)
    if not read_exact_into(fd, payload):
        raise ProtocolError("stream ended inside a frame")
    return payload


def recv_frame(
    fd: int, deadline: float, watch: int | None = None, max_len: int = MAX_FRAME
) -> tuple[Recv, bytearray | None]:
    """Read one frame from the non-blocking ``fd`` before ``deadline`` (``time.monotonic``).

    ``watch`` is a pidfd: once that process has exited and the pipe holds no complete frame,
    the receive ends with ``DEAD`` even if a grandchild still holds the pipe open."""
    header = bytearray(HEADER.size)
    payload: bytearray | None = None
    pos = 0
    watched = [fd] if watch is None else [fd, watch]
    while True:
        target = header if payload is None else payload
        if pos == len(target):
            if payload is not None:
                return Recv.FRAME, payload
            (length,) = HEADER.unpack(header)
            if length > max_len:
                return Recv.TOO_BIG, None
            payload, pos = bytearray(length), 0
            continue
        try:
            got = os.readv(fd, [memoryview(target)[pos:]])
        except BlockingIOError:
            got = -1
        if got == 0:
            return Recv.EOF, None
        if got > 0:
            pos += got
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Recv.TIMEOUT, None
        ready, _, _ = select.select(watched, [], [], remaining)
        if watch is not None and watch in ready and fd not in ready:
            return Recv.DEAD, None


def send_frame(fd: int, payload: bytes | bytearray, deadline: float, watch: int | None = None) -> Recv:
    """Write one frame to the non-blocking ``fd`` before ``deadline``; ``FRAME`` when sent,
    ``DEAD`` when the reader is gone (or the watched process exited while the pipe is full)."""
    return send_bytes(fd, HEADER.pack(len(payload)) + bytes(payload), deadline, watch)


def send_bytes(
    fd: int, data: bytes | bytearray | memoryview, deadline: float, watch: int | None = None
) -> Recv:
    """Write ``data`` to the non-blocking ``fd`` before ``deadline`` (see ``send_frame``)."""
    view = memoryview(data)
    watched = [] if watch is None else [watch]
    while view:
        try:
            view = view[os.write(fd, view) :]
            continue
        except BlockingIOError:
            pass
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                return Recv.DEAD
            raise
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Recv.TIMEOUT
        ready_r, ready_w, _ = select.select(watched, [fd], [], remaining)
        if ready_r and not ready_w:
            return Recv.DEAD
    return Recv.FRAME
