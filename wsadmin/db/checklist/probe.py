"""Talk to the running backend: its health routes, and a login with a test account.

Only the backend's own public routes are called: `GET /api/health` and
`GET /api/health/workspace-check` (unauthenticated), and, when the operator
types a test account, `POST /api/auth/login` then `GET /api/dashboards` with
the token it returns. Every call has a short timeout. Nothing typed (the
password) and nothing received (the token) is kept, logged or returned: the
results hold status codes, counts and the backend's own words only.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

DEFAULT_TIMEOUT_S: Final = 3.0
_MAX_BODY: Final = 1 << 20


@dataclass(frozen=True)
class Call:
    """One HTTP call: what came back, in words an operator can paste into a ticket."""

    route: str
    status: int | None          # None: no answer (refused, timed out, not HTTP)
    elapsed_ms: int
    error: str = ""             # why there was no usable answer

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class HealthProbe:
    base_url: str
    health: Call
    workspace_check: Call
    status: str | None = None                  # the backend's "healthy" / "degraded"
    users_without_workspace: int | None = None
    users_with_workspace: int | None = None
    workspace_count: int | None = None
    default_workspace_exists: bool | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.health.ok

    @property
    def healthy(self) -> bool:
        return self.reachable and self.workspace_check.ok and self.status == "healthy"

    def summary(self) -> str:
        if not self.health.ok:
            return f"the backend at {self.base_url} did not answer: {_why(self.health)}"
        if not self.workspace_check.ok:
            return (f"the backend answers, but its workspace check failed: "
                    f"{_why(self.workspace_check)}")
        return (f"{self.status}: {self.users_without_workspace} user(s) without a workspace, "
                f"{self.workspace_count} workspace(s), default workspace "
                f"{'exists' if self.default_workspace_exists else 'absent'}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reachable"], data["healthy"] = self.reachable, self.healthy
        return data


@dataclass(frozen=True)
class LoginProbe:
    base_url: str
    username: str
    login: Call
    dashboards: Call | None
    dashboards_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.login.ok and self.dashboards is not None and self.dashboards.ok

    def summary(self) -> str:
        if not self.login.ok:
            return f"login as {self.username} failed: {_why(self.login)}"
        if self.dashboards is None:
            return f"login as {self.username} answered HTTP {self.login.status} without a token"
        if not self.dashboards.ok:
            return (f"login as {self.username} worked, the dashboards list failed: "
                    f"{_why(self.dashboards)}")
        return (f"login as {self.username} worked; the dashboards list answered with "
                f"{self.dashboards_count} dashboard(s)")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _why(call: Call) -> str:
    if call.status is None:
        return call.error or "no answer"
    return f"HTTP {call.status}" + (f" ({call.error})" if call.error else "")


def normalise_url(base_url: str) -> str:
    """`localhost:8000` -> `http://localhost:8000`; refuses anything but http(s)."""
    url = base_url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) address: {base_url!r}")
    return url.rstrip("/")


def _request(url: str, route: str, timeout: float, body: dict[str, str] | None = None,
             token: str | None = None) -> tuple[Call, Any]:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url + route, data=data, headers=headers,
                                 method="POST" if body is not None else "GET")
    start = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - start) * 1000)

    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read(_MAX_BODY)
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        detail = _detail(exc.read(_MAX_BODY))
        exc.close()
        return Call(route, int(exc.code), took(), detail), None
    except TimeoutError:
        return Call(route, None, took(), f"no answer within {timeout:g} s"), None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            return Call(route, None, took(), f"no answer within {timeout:g} s"), None
        return Call(route, None, took(), str(getattr(reason, "strerror", None) or reason)), None
    except (OSError, ValueError) as exc:
        return Call(route, None, took(), str(exc)), None
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        return Call(route, status, took(), "the answer is not JSON"), None
    return Call(route, status, took()), payload


def _detail(raw: bytes) -> str:
    """The backend's `detail` message of an error answer, if it has one (short)."""
    try:
        detail = json.loads(raw).get("detail")
    except (ValueError, AttributeError):
        return ""
    return str(detail)[:200] if isinstance(detail, str) else ""


def _int(payload: Any, key: str) -> int | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def probe_health(base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> HealthProbe:
    """The backend's two unauthenticated health routes."""
    url = normalise_url(base_url)
    health, _ = _request(url, "/api/health", timeout)
    check, payload = _request(url, "/api/health/workspace-check", timeout)
    if not isinstance(payload, dict):
        return HealthProbe(url, health, check)
    warnings = payload.get("warnings")
    default = payload.get("default_workspace_exists")
    status = payload.get("status")
    return HealthProbe(
        url, health, check,
        status=status if isinstance(status, str) else None,
        users_without_workspace=_int(payload, "users_without_workspace"),
        users_with_workspace=_int(payload, "users_with_workspace"),
        workspace_count=_int(payload, "workspace_count"),
        default_workspace_exists=default if isinstance(default, bool) else None,
        warnings=[str(w) for w in warnings] if isinstance(warnings, list) else [])


def probe_login(base_url: str, username: str, password: str, *,
                timeout: float = DEFAULT_TIMEOUT_S) -> LoginProbe:
    """Log in with a test account and list its dashboards. The password and the token
    live only in this call."""
    url = normalise_url(base_url)
    login, payload = _request(url, "/api/auth/login", timeout,
                              body={"username": username, "password": password})
    token = payload.get("token") if isinstance(payload, dict) else None
    if not login.ok or not isinstance(token, str):
        if login.ok:
            login = Call(login.route, login.status, login.elapsed_ms, "no token in the answer")
        return LoginProbe(url, username, login, None)
    dashboards, listed = _request(url, "/api/dashboards", timeout, token=token)
    count = len(listed) if isinstance(listed, list) else None
    return LoginProbe(url, username, login, dashboards, count)
