"""The one streaming JSONL reader: numbered lines, plain or gzipped, within size limits, each
line a JSON object (standard library only; the web side and the sandbox CLI both read with it).

The stream is read a line at a time, never whole: a 3 MB gzip bomb used to be decompressed
whole (6.3 GB resident). A gzipped stream is recognised by its magic bytes, not its name.
Every mistake is a :class:`JsonlError` that names its line; ``kind`` and ``reason`` let a
caller word the message its own way (a job error, a refused upload line, a CLI error).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import IO, Any, Literal

from sandbox import jsonlimit

#: What went wrong: the gzip stream is corrupt, the whole stream or one line is over its
#: limit, a line is not UTF-8, not JSON, nested too deep, or not a JSON object.
Kind = Literal["gzip", "file_size", "line_size", "utf8", "json", "depth", "object"]

_MB = 1024 * 1024


class JsonlError(ValueError):
    """A JSONL stream that cannot be read. ``lineno`` is the 1-based line (0 when the stream as
    a whole is at fault), ``reason`` what is wrong without the place, ``kind`` one of
    :data:`Kind`. ``str()`` is ``"line 3: expected a JSON object, got list"``."""

    def __init__(self, kind: Kind, reason: str, lineno: int = 0) -> None:
        self.kind, self.reason, self.lineno = kind, reason, lineno
        super().__init__(f"line {lineno}: {reason}" if lineno else reason)


def read_objects(
    stream: IO[bytes],
    *,
    max_bytes: int | None = None,
    max_line_bytes: int | None = None,
    max_depth: int = jsonlimit.MAX_DEPTH,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line of a binary ``stream`` (read from
    where it stands; gzipped or not), in order. ``max_bytes`` caps what the stream holds
    once decompressed, ``max_line_bytes`` one line, ``max_depth`` a line's nesting
    (:mod:`sandbox.jsonlimit`). The first bad line raises :class:`JsonlError`."""
    for lineno, raw in numbered_lines(stream, max_bytes=max_bytes, max_line_bytes=max_line_bytes):
        if raw.strip():
            yield lineno, parse_object(raw, lineno, max_depth=max_depth)


def numbered_lines(
    stream: IO[bytes], *, max_bytes: int | None = None, max_line_bytes: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of a plain or gzipped binary stream, blank lines included,
    within the limits (see :func:`read_objects`)."""
    reader, gzipped = _unzipped(stream)
    total = 0
    lineno = 0
    while True:
        line = _readline(reader, gzipped, max_line_bytes)
        if not line:
            return
        lineno += 1
        total += len(line)
        if max_bytes is not None and total > max_bytes:
            what = "decompresses to" if gzipped else "is"
            reason = f"the file {what} more than {max_bytes // _MB} MB (stopped at line {lineno})"
            raise JsonlError("file_size", reason)
        if max_line_bytes is not None and len(line) > max_line_bytes:
            raise JsonlError("line_size", f"longer than {max_line_bytes // _MB} MB", lineno)
        yield lineno, line


def parse_object(raw: bytes | str, lineno: int, *, max_depth: int = jsonlimit.MAX_DEPTH) -> dict[str, Any]:
    """One line as a JSON object, or :class:`JsonlError` naming line ``lineno``."""
    try:
        value = jsonlimit.loads(raw, max_depth=max_depth)
    except UnicodeDecodeError as exc:
        raise JsonlError("utf8", f"not UTF-8 text ({exc.reason})", lineno) from exc
    except jsonlimit.JSONDepthError as exc:
        raise JsonlError("depth", f"JSON {exc.msg} (column {exc.colno})", lineno) from exc
    except json.JSONDecodeError as exc:
        raise JsonlError("json", f"not valid JSON ({exc.msg} at column {exc.colno})", lineno) from exc
    if not isinstance(value, dict):
        raise JsonlError("object", f"expected a JSON object, got {type(value).__name__}", lineno)
    return value


def _unzipped(stream: IO[bytes]) -> tuple[IO[bytes] | gzip.GzipFile, bool]:
    start = stream.tell()
    magic = stream.read(2)
    stream.seek(start)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=stream, mode="rb"), True
    return stream, False


def _readline(reader: IO[bytes] | gzip.GzipFile, gzipped: bool, max_line_bytes: int | None) -> bytes:
    """One line, at most one byte past the line limit (so a line without a newline is never
    read whole)."""
    try:
        return reader.readline(-1 if max_line_bytes is None else max_line_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        if not gzipped:
            raise
        raise JsonlError("gzip", f"the file looks gzipped but cannot be decompressed: {exc}") from exc
