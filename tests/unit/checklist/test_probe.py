"""The backend probe against a local server that answers like the backend's routes."""

from __future__ import annotations

import json
import socket

import pytest

from tests.fakes.backend_http import TOKEN, FakeBackend, running
from wsadmin.db.checklist.probe import normalise_url, probe_health, probe_login


def test_a_healthy_backend() -> None:
    with running(FakeBackend("healthy")) as fake:
        probe = probe_health(fake.url)
    assert probe.reachable and probe.healthy
    assert (probe.status, probe.users_without_workspace, probe.default_workspace_exists) == (
        "healthy", 0, True)
    assert probe.summary().startswith("healthy: 0 user(s) without a workspace")
    assert [s["path"] for s in fake.seen] == ["/api/health", "/api/health/workspace-check"]


def test_a_degraded_backend_says_how_many_users_lack_a_workspace() -> None:
    with running(FakeBackend("degraded")) as fake:
        probe = probe_health(fake.url)
    assert probe.reachable and not probe.healthy
    assert probe.users_without_workspace == 2
    assert probe.warnings == ["2 user(s) without workspace assignment"]


def test_a_backend_that_answers_500_on_its_workspace_check() -> None:
    with running(FakeBackend("down")) as fake:
        probe = probe_health(fake.url)
    assert probe.reachable and not probe.healthy
    assert probe.workspace_check.status == 500
    assert "workspace check failed: HTTP 500" in probe.summary()


def test_a_slow_backend_times_out_quickly() -> None:
    with running(FakeBackend("slow", delay=2.0)) as fake:
        probe = probe_health(fake.url, timeout=0.3)
    assert not probe.reachable
    assert probe.health.status is None and "within 0.3 s" in probe.health.error
    assert probe.health.elapsed_ms < 1500


def test_nothing_listening() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    probe = probe_health(f"127.0.0.1:{port}", timeout=1.0)
    assert not probe.reachable and "did not answer" in probe.summary()


def test_login_and_dashboards_with_a_test_account() -> None:
    with running(FakeBackend("healthy", dashboards=4)) as fake:
        probe = probe_login(fake.url, "tester", "right-password")
    assert probe.ok and probe.dashboards_count == 4
    login, listing = fake.seen
    assert login["method"] == "POST" and json.loads(login["body"]) == {
        "username": "tester", "password": "right-password"}
    assert listing["headers"]["Authorization"] == f"Bearer {TOKEN}"
    # Nothing secret is kept in what the probe returns.
    kept = json.dumps(probe.to_json()) + probe.summary()
    assert "right-password" not in kept and TOKEN not in kept


def test_a_wrong_password_is_reported_with_the_backends_words() -> None:
    with running(FakeBackend("healthy")) as fake:
        probe = probe_login(fake.url, "tester", "wrong-password")
    assert not probe.ok and probe.login.status == 401
    assert probe.summary() == ("login as tester failed: HTTP 401 "
                               "(Invalid username or password)")


@pytest.mark.parametrize("bad", ["ftp://host", "http://", "file:///etc/passwd"])
def test_only_http_addresses(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(bad)
