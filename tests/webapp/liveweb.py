"""A real web server process (``manage.py runserver``) on the test database, for tests that
measure what a request costs the web process itself: peak resident memory (``VmHWM``, reset
through ``/proc/PID/clear_refs`` before the request) while it handles one upload."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


@dataclass
class LiveWeb:
    """The server's address and process id, and a logged-in session's cookies."""

    port: int
    pid: int
    cookies: dict[str, str]

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "X-CSRFToken": self.cookies.get("csrftoken", ""), **(extra or {})}

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", path, headers=self._headers())
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()

    def post_form(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        """An urlencoded form POST; the status and body (a redirect is not followed)."""
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
            conn.request("POST", path, body=urlencode(fields), headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()

    def post_file(
        self,
        path: str,
        fields: dict[str, str],
        file_field: str,
        filename: str,
        chunks: Iterable[bytes],
        size: int,
    ) -> tuple[int, str]:
        """A multipart POST whose file part is streamed from ``chunks`` (``size`` bytes in
        all), so the test process never holds the whole body."""
        boundary = "----atomlab" + secrets.token_hex(8)
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body() -> Iterator[bytes]:
            yield head
            yield from chunks
            yield tail

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            headers = self._headers(
                {
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(head) + size + len(tail)),
                }
            )
            conn.request("POST", path, body=body(), headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()

    def reset_peak(self) -> int:
        """Reset the process's peak RSS to its current RSS; returns that, in KiB."""
        with open(f"/proc/{self.pid}/clear_refs", "w") as fh:
            fh.write("5")
        return _status_kb(self.pid, "VmRSS")

    def peak_kb(self) -> int:
        """Peak RSS since the last reset, in KiB."""
        return _status_kb(self.pid, "VmHWM")


@contextlib.contextmanager
def live_web(user: Any, env: dict[str, str] | None = None) -> Iterator[LiveWeb]:
    """``manage.py runserver`` against the test database (the test must use
    ``django_db(transaction=True)`` so the user and its session are committed), with
    ``user`` logged in; ``env`` adds to its environment (e.g. a Redis of the test's own)."""
    from django.test import Client

    from tests.conftest import worker_database_url

    env = dict(os.environ, **(env or {}))
    env["DATABASE_URL"] = worker_database_url()
    env.pop("DEBUG", None)
    port = _free_port()
    log = open(REPO / "var" / f"test-liveweb-{port}.log", "wb")  # noqa: SIM115  # closed below
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"runserver did not start: {(REPO / 'var' / log.name).read_text()[-2000:]}"
                )
            time.sleep(0.2)
        client = Client()
        client.force_login(user)
        web = LiveWeb(port=port, pid=proc.pid, cookies={"sessionid": client.cookies["sessionid"].value})
        status, html = web.get("/")
        assert status == 200, html[:500]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        response.read()
        match = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
        assert match, "no CSRF cookie"
        web.cookies["csrftoken"] = match.group(1)
        conn.close()
        yield web
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
