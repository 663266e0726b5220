"""Platform and tool HTTP clients honour a proxy from the environment, and skip re-reading the environment on every
request when none is set (gatewaysite/egress_clients.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from gatewaysite.egress_clients import mount_policy


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    class Handler(_Recorder):
        seen: list[str] = []

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler.seen
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def no_proxy_environment(monkeypatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "NETRC"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HOME", "/nonexistent-home")  # no ~/.netrc


def test_a_proxy_in_the_environment_carries_platform_requests(server, no_proxy_environment, monkeypatch) -> None:
    proxy_url, seen = server
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    session = mount_policy(requests.Session())
    response = session.get("http://127.0.0.1:9/api/chat.postMessage", timeout=5)
    assert response.status_code == 200
    assert seen == ["http://127.0.0.1:9/api/chat.postMessage"]  # the absolute URI a proxy receives


def test_without_proxy_settings_requests_go_direct_and_keep_the_ca_bundle(
    server, no_proxy_environment, monkeypatch
) -> None:
    url, seen = server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = mount_policy(requests.Session())
    assert not session.trust_env  # the environment is not read again on each request
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert session.get(f"{url}/direct", timeout=5).status_code == 200
    assert seen == ["/direct"]


def test_no_proxy_alone_is_not_a_proxy(server, no_proxy_environment, monkeypatch) -> None:
    url, seen = server
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    session = mount_policy(requests.Session())
    assert not session.trust_env
    assert session.get(f"{url}/direct", timeout=5).status_code == 200
    assert seen == ["/direct"]


def test_a_proxy_with_its_exceptions_is_still_honoured(server, no_proxy_environment, monkeypatch) -> None:
    proxy_url, seen = server
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    monkeypatch.setenv("NO_PROXY", "example.internal")
    assert mount_policy(requests.Session()).trust_env
