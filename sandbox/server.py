"""The HTTP face: ``POST /v1/judge_batch`` (JSON list of requests -> JSON list of results)
and ``GET /health``, on the standard library's threaded server."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox.pool import SandboxPool
from sandbox.types import JudgeRequest, RequestError

log = logging.getLogger(__name__)
MAX_BODY = 256 << 20


class SandboxServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to one pool."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], pool: SandboxPool) -> None:
        super().__init__(address, _Handler)
        self.pool = pool


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """``/health``."""
        if self.path.split("?")[0] == "/health":
            self._reply(HTTPStatus.OK, self.server.pool.health())
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        """``/v1/judge_batch``: a JSON list of requests in, a JSON list of results out."""
        if self.path.split("?")[0] != "/v1/judge_batch":
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return
        if not 0 <= length <= MAX_BODY:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, list):
                raise RequestError("the body must be a JSON list of requests")
            requests = [JudgeRequest.from_dict(item) for item in body]
        except (ValueError, TypeError) as exc:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        results = self.server.pool.judge_batch(requests)
        self._reply(HTTPStatus.OK, [r.to_dict() for r in results])

    def _reply(self, status: HTTPStatus, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib's name
        log.debug("%s " + format, self.address_string(), *args)


def serve(host: str, port: int, workers: int | None = None, require_isolation: bool | None = None) -> None:
    """Run the service until SIGTERM or SIGINT. Prints one JSON line with the address."""
    pool = SandboxPool(workers, require_isolation=require_isolation)
    server = SandboxServer((host, port), pool)
    bound_port = server.server_address[1]
    print(
        json.dumps(
            {"listening": f"http://{host}:{bound_port}", "isolation": pool.isolation, "workers": pool.size}
        ),
        flush=True,
    )

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.close()
        print("sandbox service stopped", file=sys.stderr)
