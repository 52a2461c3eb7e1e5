"""The worker's own logging during one job, sent to the web side as ``log_batch`` events.

Why events rather than a log file in the artifact store: the events already travel from any
GPU host to the web side through Redis, in order and numbered, and the run page already
reads them; a file on shared storage would need a second reader, polling a store that may be
S3 (no append, eventual listing). The cost is bounded instead: lines are batched (one event
at most every :data:`~training_worker.contracts.LOG_EVERY_S` seconds, at most
:data:`~training_worker.contracts.LOG_BATCH_LINES` lines each), cut at
:data:`~training_worker.contracts.LOG_MAX_LINE_CHARS` characters, and an attempt sends at most
:data:`~training_worker.contracts.LOG_MAX_LINES` lines (the rest are counted as dropped).

:func:`capture_job_log` attaches a handler to the root logger for the length of a job (the
trainer's progress lines, ``warnings.warn`` through ``py.warnings``, library warnings, the
error that ends the job) and flushes what it holds before the job's terminal event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from training_worker.contracts import LOG_BATCH_LINES, LOG_EVERY_S, LOG_MAX_LINE_CHARS, LOG_MAX_LINES
from training_worker.events import Emitter

#: The worker's own loggers speak at INFO during a job (libraries keep their own levels).
WORKER_LOGGER = "training_worker"


class JobLogHandler(logging.Handler):
    """Buffers records as lines and sends them in batches through ``emitter``."""

    def __init__(
        self,
        emitter: Emitter,
        *,
        every_s: float = LOG_EVERY_S,
        max_lines: int = LOG_MAX_LINES,
        batch_lines: int = LOG_BATCH_LINES,
    ) -> None:
        super().__init__(level=logging.INFO)
        self.emitter = emitter
        self.every_s, self.max_lines, self.batch_lines = every_s, max_lines, batch_lines
        self.buffer: list[dict[str, Any]] = []
        self.kept = 0
        self.dropped = 0
        self._buffer_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="atomlab-job-log", daemon=True)

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record as a line (or count it as dropped past the cap)."""
        try:
            message = record.getMessage()
            if record.exc_info:
                message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
        except Exception:  # a record that cannot be formatted must not break the job
            message = str(record.msg)
        line = {
            "t": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message[:LOG_MAX_LINE_CHARS],
        }
        with self._buffer_lock:
            if self.kept >= self.max_lines:
                self.dropped += 1
                return
            self.kept += 1
            self.buffer.append(line)

    def flush(self) -> None:
        """Send what is buffered, in events of at most ``batch_lines`` lines."""
        with self._buffer_lock:
            lines, self.buffer = self.buffer, []
            dropped = self.dropped
        for start in range(0, len(lines), self.batch_lines):
            self.emitter.emit(
                "log_batch", {"lines": lines[start : start + self.batch_lines], "dropped": dropped}
            )

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.flush()
            except Exception:  # the broker away for a moment: that batch is lost, not the job
                continue

    def start(self) -> None:
        """Start the thread that flushes every ``every_s`` seconds."""
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and send the rest (before the job's terminal event)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()
        if self.dropped:
            self.emitter.log(
                f"{self.dropped} more log lines of this attempt were not sent (cap {self.max_lines})"
            )
        super().close()


@contextmanager
def capture_job_log(emitter: Emitter, **options: Any) -> Iterator[JobLogHandler]:
    """Send the job's logging as ``log_batch`` events while the block runs; an exception
    that leaves the block is logged first (its traceback is the tail's last lines)."""
    handler = JobLogHandler(emitter, **options)
    root, worker = logging.getLogger(), logging.getLogger(WORKER_LOGGER)
    old_level = worker.level
    worker.setLevel(logging.INFO)
    root.addHandler(handler)
    # Celery may already route warnings to logging: leave that as it was found.
    warnings_captured = getattr(logging, "_warnings_showwarning", None) is not None
    logging.captureWarnings(True)
    handler.start()
    try:
        yield handler
    except BaseException as exc:
        logging.getLogger(f"{WORKER_LOGGER}.job").error(
            "the job stopped: %s", type(exc).__name__, exc_info=True
        )
        raise
    finally:
        logging.captureWarnings(warnings_captured)
        root.removeHandler(handler)
        worker.setLevel(old_level)
        handler.close()
