"""A stand-in for the backend's HTTP routes the checklist calls, on 127.0.0.1.

It answers like the real backend's routes (the shapes measured in the lab:
`GET /api/health`, `GET /api/health/workspace-check`, `POST /api/auth/login`
with a JSON body, `GET /api/dashboards` with a Bearer token) in one of a few
moods: healthy, degraded, down (500 everywhere but /api/health), slow (every
answer later than the probe waits). It records the requests it saw (method,
path, headers, body) so tests can check what the probe sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "fake-jwt-token-for-tests"


@dataclass
class FakeBackend:
    mood: str = "healthy"               # healthy | degraded | down | slow
    delay: float = 0.0
    users: dict[str, str] = field(default_factory=lambda: {"tester": "right-password"})
    dashboards: int = 3
    seen: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def workspace_check(self) -> dict[str, Any]:
        if self.mood == "degraded":
            return {"status": "degraded", "workspace_count": 1, "users_with_workspace": 4,
                    "users_without_workspace": 2, "default_workspace_exists": True,
                    "warnings": ["2 user(s) without workspace assignment"]}
        return {"status": "healthy", "workspace_count": 3, "users_with_workspace": 6,
                "users_without_workspace": 0, "default_workspace_exists": True, "warnings": []}


def _handler(fake: FakeBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:   # keep test output clean
            return

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _record(self, body: bytes = b"") -> None:
            fake.seen.append({"method": self.command, "path": self.path,
                              "headers": dict(self.headers), "body": body.decode()})
            if fake.mood == "slow":
                time.sleep(fake.delay)

        def do_GET(self) -> None:
            self._record()
            if self.path == "/api/health":
                self._answer(200, {"status": "healthy", "message": "API is running"})
            elif fake.mood == "down":
                self._answer(500, {"detail": "Internal Server Error"})
            elif self.path == "/api/health/workspace-check":
                self._answer(200, fake.workspace_check())
            elif self.path == "/api/dashboards":
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(401, {"detail": "Not authenticated"})
                else:
                    self._answer(200, [{"id": i, "name": f"Dashboard {i}"}
                                       for i in range(1, fake.dashboards + 1)])
            else:
                self._answer(404, {"detail": "Not Found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._record(body)
            if fake.mood == "down":
                self._answer(500, {"detail": "Internal Server Error"})
                return
            if self.path != "/api/auth/login":
                self._answer(404, {"detail": "Not Found"})
                return
            creds = json.loads(body or b"{}")
            if fake.users.get(creds.get("username")) != creds.get("password"):
                self._answer(401, {"detail": "Invalid username or password"})
                return
            self._answer(200, {"user": {"id": 1, "username": creds["username"]},
                               "token": TOKEN})

    return Handler


@contextmanager
def running(fake: FakeBackend) -> Iterator[FakeBackend]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
