"""Under a real Daphne, every request body reaches the gateway's own views unparsed (routing/serving/daphne_requests.py):
a malformed multipart body is not answered by Twisted with a bare 400 before the gateway can say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.process.servers import free_port, prepare_embedded, start_daphne, stop


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("raw-bodies")
    env = {"GATEWAY_DATA_DIR": str(data), "DATABASE_URL": None, "REDIS_URL": None, "SECRET_KEY": "raw-bodies-test"}
    prepare_embedded(env, "raw-bodies-token")
    port = free_port()
    proc = start_daphne(env, f"tcp:port={port}:interface=127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def test_a_malformed_multipart_body_gets_the_gateways_answer(base_url: str) -> None:
    response = requests.post(
        f"{base_url}/webhooks/no-such-instance/",
        data=b"--broken\r\nthis is not a multipart body",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=10,
    )
    assert response.status_code == 404  # Twisted's own form parsing answered 400 with an HTML page
    assert "error" in response.json()


def test_a_form_encoded_body_reaches_the_view_whole(base_url: str) -> None:
    body = "command=%2Fask&text=" + "a" * 200_000
    response = requests.post(
        f"{base_url}/webhooks/no-such-instance/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 404
    assert "error" in response.json()
