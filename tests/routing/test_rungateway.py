"""`manage.py rungateway`: endpoints (TCP/TLS), config import rules, refusal of a bad config, HTTPS serving."""

from __future__ import annotations

import datetime as dt
import ipaddress
import signal
from io import StringIO
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from agents_app.models import Agent
from channels_app.realtime.tls import TLSConfigError, endpoint
from routing.management.commands.rungateway import Command
from tests.e2e.processes import Proc, base_env, free_port, manage, wait_http

GOOD_CONFIG = "agents:\n  helper:\n    model: echo\n"
BAD_CONFIG = (
    "agents:\n  helper:\n    model: echo\nchannels:\n  telegram:\n    token: x\n    routing:\n      default: helpr\n"
)


def _self_signed(folder: Path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_a_plain_endpoint_binds_the_host_and_port() -> None:
    assert endpoint("0.0.0.0", 8000) == "tcp:port=8000:interface=0.0.0.0"
    assert endpoint("[::1]", 8443) == r"tcp:port=8443:interface=\:\:1"


def test_a_tls_endpoint_needs_both_files_and_quotes_their_paths(tmp_path) -> None:
    cert, key = _self_signed(tmp_path)
    assert endpoint("127.0.0.1", 8443, ssl_cert=cert, ssl_key=key).startswith(
        "ssl:port=8443:interface=127.0.0.1:privateKey="
    )
    with pytest.raises(TLSConfigError, match="both ssl_cert and ssl_key"):
        endpoint("127.0.0.1", 8443, ssl_cert=cert, ssl_key="")
    with pytest.raises(TLSConfigError, match="ssl_key: .* is not a readable file"):
        endpoint("127.0.0.1", 8443, ssl_cert=cert, ssl_key=str(tmp_path / "missing.pem"))


@pytest.mark.django_db
def test_config_once_imports_into_an_empty_database_only(tmp_path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(GOOD_CONFIG)
    out = StringIO()
    command = Command(stdout=out)
    command._import_config({"config": None, "config_once": str(config)})
    assert list(Agent.objects.values_list("name", "model")) == [("helper", "echo")]
    Agent.objects.filter(name="helper").update(model="gpt-4o-mini")  # an operator's later edit
    command._import_config({"config": None, "config_once": str(config)})
    assert Agent.objects.get().model == "gpt-4o-mini"
    assert "not imported (the database already has a configuration)" in out.getvalue()


def test_a_bad_config_stops_the_start_with_the_key_path_and_serves_nothing(tmp_path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(BAD_CONFIG)
    port = free_port()
    proc = Proc(
        "rungateway",
        manage("rungateway", "--config", str(config), "--port", str(port)),
        base_env(tmp_path / "data"),
        tmp_path / "rungateway.log",
    ).start()
    assert proc.wait(60) not in (None, 0)
    log = proc.log()
    assert "channels.telegram.routing.default" in log and "helpr" in log
    assert "listening" not in log


@pytest.mark.timeout(90)
def test_it_serves_https_when_a_certificate_and_key_are_configured(tmp_path) -> None:
    cert, key = _self_signed(tmp_path)
    config = tmp_path / "gateway.yaml"
    config.write_text(f"gateway:\n  ssl_cert: {cert}\n  ssl_key: {key}\n" + GOOD_CONFIG)
    port = free_port()
    proc = Proc(
        "rungateway",
        manage("rungateway", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
        base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT="3"),
        tmp_path / "rungateway.log",
    ).start()
    try:
        for _ in range(600):
            if f"https://127.0.0.1:{port}/" in proc.log() or not proc.running():
                break
            proc.wait(0.1)
        assert requests.get(f"https://127.0.0.1:{port}/health", verify=cert, timeout=5).json()["status"] == "ok"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
        proc.signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        proc.stop()


def test_wait_http_reports_an_early_exit(tmp_path) -> None:
    proc = Proc("false", ["false"], base_env(tmp_path), tmp_path / "false.log").start()
    proc.wait(10)
    with pytest.raises(AssertionError, match="exited early"):
        wait_http("http://127.0.0.1:9/", timeout=5, proc=proc)
