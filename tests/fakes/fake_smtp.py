"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives and checks logins.

AUTH PLAIN/LOGIN check `username`/`password`; AUTH XOAUTH2 checks the bearer token in the SASL string
("user=<u>^Aauth=Bearer <token>^A^A", base64), the way Gmail and Microsoft 365 take OAuth2 logins.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.fake.cond:
            self.fake.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.fake.messages.append(message)
            self.fake.cond.notify_all()
        return "250 OK"

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd mechanism name
        data = base64.b64decode(args[1]) if len(args) > 1 else b""
        fields = dict(part.split("=", 1) for part in data.decode().split("\x01") if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        ok = user == self.fake.username and bearer == f"Bearer {self.fake.oauth_token}"
        self.fake.logins.append(("XOAUTH2", user, ok))
        return AuthResult(success=ok, handled=False)


class FakeSmtp:
    def __init__(
        self, username: str = "agent@acme.example", password: str = "smtp-pass", oauth_token: str = "ya29.test-token"
    ) -> None:
        self.username = username
        self.password = password
        self.oauth_token = oauth_token
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str, bool]] = []
        self.cond = threading.Condition()
        self.port = free_port()
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,
            ready_timeout=5.0,
        )

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (
            self.username,
            self.password,
        )
        self.logins.append((mechanism, data.login.decode() if isinstance(data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.cond.wait(0.05)
            return list(self.messages)
