"""A real daphne process (embedded mode, SQLite): wss:// with a self-signed certificate, and GatewayClient end to end."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from channels_app.realtime.client import GatewayClient
from channels_app.realtime.tls import endpoint
from tests.process.servers import free_port, prepare_embedded, start_daphne, stop

TOKEN = "process-test-token"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Tls:
    def __init__(self, cert: Path, key: Path) -> None:
        self.ssl_cert, self.ssl_key = str(cert), str(key)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls-gateway")
    env = {
        "GATEWAY_DATA_DIR": str(folder),
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "GATEWAY_WS_HEARTBEAT_INTERVAL": "1",
    }
    prepare_embedded(env, TOKEN)
    cert, key = _self_signed(folder)
    port = free_port()
    # Daphne's own message limit (1 MiB by default) raised, so the gateway's max_payload check answers oversize frames.
    big = str(16 * 1024 * 1024)
    limits = ("--websocket-max-message-size", big, "--websocket-max-frame-size", big)
    proc = start_daphne(env, endpoint("127.0.0.1", port, _Tls(cert, key)), port, limits)
    context = ssl.create_default_context(cafile=str(cert))
    yield f"wss://127.0.0.1:{port}/ws", context
    stop(proc)


def test_the_endpoint_is_plain_tcp_without_certificates():
    assert endpoint("127.0.0.1", 8765, None) == "tcp:port=8765:interface=127.0.0.1"
    assert endpoint("::1", 80, None) == "tcp:port=80:interface=\\:\\:1"


def test_the_endpoint_refuses_a_missing_key_file(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    with pytest.raises(ValueError, match="ssl_key: .* is not a readable file"):
        endpoint("0.0.0.0", 443, _Tls(cert, tmp_path / "missing.pem"))


async def test_a_wss_client_connects_with_a_self_signed_certificate(tls_server):
    url, context = tls_server
    async with connect(f"{url}?token={TOKEN}", ssl=context) as ws:
        await ws.send(json.dumps({"type": "hello", "agent_id": "helper", "protocol_min": 1, "protocol_max": 1}))
        assert json.loads(await ws.recv())["type"] == "hello_ok"
        await ws.send(json.dumps({"type": "message", "content": "over TLS"}))
        frames = [json.loads(await ws.recv()) for _ in range(2)]
        assert [f["status"] for f in frames] == ["accepted", "final"]
        assert frames[1]["content"] == "over TLS"


async def test_an_oversize_frame_gets_an_error_frame_from_a_real_server_and_the_socket_stays_up(tls_server):
    url, context = tls_server
    async with connect(f"{url}?token={TOKEN}", ssl=context, max_size=None) as ws:
        await ws.send(json.dumps({"type": "message", "content": "x" * (2 * 1024 * 1024)}))
        frame = json.loads(await ws.recv())
        assert frame["code"] == "payload_too_large"
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}


async def test_a_binary_frame_and_garbage_get_error_frames_from_a_real_server(tls_server):
    url, context = tls_server
    async with connect(f"{url}?token={TOKEN}", ssl=context) as ws:
        await ws.send(b"\x00\x01")
        assert json.loads(await ws.recv())["code"] == "binary_not_supported"
        await ws.send("[1, 2]")
        assert json.loads(await ws.recv())["code"] == "invalid_frame"
        await ws.send("{oops")
        assert json.loads(await ws.recv())["code"] == "invalid_json"
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}


async def test_a_plain_ws_client_cannot_talk_to_the_tls_port(tls_server):
    url, _ = tls_server
    with pytest.raises(Exception):  # noqa: B017, PT011 - any handshake failure will do: TLS is required
        async with connect(url.replace("wss://", "ws://") + f"?token={TOKEN}", open_timeout=3):
            pass


async def test_gateway_client_asks_reconnects_resumes_and_acks(tls_server):
    url, context = tls_server
    async with GatewayClient(url, TOKEN, agent_id="helper", client_id="app-1", ssl_context=context) as gw:
        assert await gw.ask("first") == "first"
        await gw.create_channel("updates")
        await gw.subscribe("updates")
        session = gw.session_id
        async with GatewayClient(url, TOKEN, agent_id="helper", client_id="publisher", ssl_context=context) as pub:
            await gw.drop()
            await pub.publish("updates", {"n": 1})
            event = await gw.next_event(timeout=10)
            assert event["data"] == {"n": 1}
            assert gw.session_id == session
            assert gw.resumed is True
            assert await gw.ask("second") == "second"
            await pub.publish("updates", {"n": 2})
            assert (await gw.next_event(timeout=10))["data"] == {"n": 2}
        await asyncio.sleep(0.3)
        assert gw._events.empty()  # each message handed over exactly once


async def test_gateway_client_keeps_its_identity_online_with_presence_heartbeats(tls_server):
    url, context = tls_server
    kwargs = {"ssl_context": context, "capabilities": ("ack", "presence")}
    async with GatewayClient(url, TOKEN, agent_id="helper", client_id="beater", presence_interval=0.2, **kwargs) as gw:
        await gw.create_channel("lobby")
        await gw.subscribe("lobby")
        await asyncio.sleep(1.5)  # longer than the server's presence timeout (1 s)
        online = [c["client_id"] for c in await gw.presence("lobby")]
        assert online == ["beater"]


def test_a_real_tls_server_marks_cookies_secure_and_sends_hsts(tls_server):
    import http.client

    url, context = tls_server
    port = int(url.split(":")[2].split("/")[0])
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    conn.request("GET", "/admin/login/")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200
    cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
    assert cookies and all("Secure" in cookie for cookie in cookies), cookies
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
