"""A real IMAP server on 127.0.0.1: pymap's in-memory backend in a subprocess, on a free port.

pymap speaks IMAP4rev1 with IDLE and UIDPLUS, so the listener's real client code talks to it unchanged. Tests play
the mail delivery agent by APPENDing messages to the mailbox over IMAP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from imapclient import IMAPClient

from tests.fakes.fake_smtp import free_port


class FakeImap:
    def __init__(self, user: str = "agent@acme.example", password: str = "imap-pass") -> None:
        self.user = user
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> FakeImap:
        pymap = Path(sys.executable).with_name("pymap")
        self.process = subprocess.Popen(
            [
                str(pymap),
                "--no-service",
                "admin",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-tls",
                "dict",
                "--demo-data",
                "--demo-user",
                self.user,
                "--demo-password",
                self.password,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("pymap exited at start") from None
                time.sleep(0.05)
        raise RuntimeError("pymap did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=5)
        client.login(self.user, self.password)
        return client

    def empty(self, folder: str = "INBOX") -> None:
        """Remove every message (the demo data too), so each test starts with an empty mailbox."""
        with self.client() as client:
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search(["ALL"]), ["FLAGS"]).items()}
