"""IMAP in: new mail by UID (UIDVALIDITY-checked), IDLE where the server has it, polling otherwise.

Each mail is stored through the shared intake before it is flagged \\Seen and before the cursor moves, so a crash
re-reads it and the Message-ID dedupe drops the copy (PLATFORMS.md §7.2).
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from channels_app.adapters.email import EmailAdapter, inbound_message
from channels_app.adapters.email_parsing import ParsedEmail, parse_email
from channels_app.listeners.base import FatalListenerError, Listener, ListenerError
from channels_app.models import InboundEvent, OutboundMessage

logger = logging.getLogger(__name__)

SEEN = b"\\Seen"
IDLE_RENEW = 25 * 60  # re-issue IDLE before the 30-minute server cut-off (RFC 2177)


class ImapListener(Listener):
    kind = "email"

    def lease_identity(self) -> str:
        credentials = self.instance.credentials or {}
        return f"{credentials.get('imap_host')}:{credentials.get('username')}:{self.option('mailbox', 'INBOX')}"

    # -- connection ------------------------------------------------------------------------------
    def _connect(self, adapter: EmailAdapter) -> IMAPClient:
        host = adapter.credential("imap_host")
        security = str(self.option("imap_security") or self.option("security") or "tls")
        port = int(adapter.credential("imap_port", required=False) or (993 if security == "tls" else 143))
        timeout = float(self.option("imap_timeout", 30))
        try:
            client = IMAPClient(
                host,
                port=port,
                ssl=security == "tls",
                timeout=timeout,
                ssl_context=ssl.create_default_context() if security == "tls" else None,
            )
            if security == "starttls":
                client.starttls(ssl.create_default_context())
            username = adapter.credential("username")
            token = adapter.credential("oauth2_token", required=False)
            if token:
                client.oauth2_login(username, token)
            else:
                client.login(username, adapter.credential("password"))
        except LoginError as exc:
            raise FatalListenerError("IMAP login refused (check username and password or token)") from exc
        except (OSError, IMAPClientError) as exc:
            raise ListenerError(f"IMAP connection failed: {type(exc).__name__}: {exc}") from exc
        return client

    def run(self) -> None:
        adapter = EmailAdapter(self.instance)
        client = self._connect(adapter)
        try:
            self._serve(client, adapter)
        except (OSError, IMAPClientError) as exc:
            raise ListenerError(f"IMAP: {type(exc).__name__}: {exc}") from exc
        finally:
            with contextlib.suppress(Exception):  # the connection may already be gone; nothing to clean up then
                client.logout()

    def _serve(self, client: IMAPClient, adapter: EmailAdapter) -> None:
        folder = str(self.option("mailbox", "INBOX"))
        info = client.select_folder(folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        cursor = self.context.load_cursor()
        last_uid = int(cursor.get("last_uid") or 0)
        if cursor.get("uidvalidity") != uidvalidity:
            # New mailbox or UIDVALIDITY changed: stored UIDs mean nothing; read unseen mail again, Message-ID
            # dedupe keeps what was already answered from being answered twice (PLATFORMS.md §7.2).
            last_uid = 0
        self.context.connected()
        use_idle = bool(self.option("use_idle", True)) and b"IDLE" in client.capabilities()
        poll_interval = float(self.option("poll_interval", 30))
        idle_slice = float(self.option("idle_check_interval", 5))
        while not self.stopping.is_set():
            last_uid = self._fetch_new(client, adapter, folder, uidvalidity, last_uid)
            self.context.seen()
            if use_idle:
                self._idle(client, idle_slice)
            else:
                self.stopping.wait(poll_interval)
                client.noop()

    def _idle(self, client: IMAPClient, slice_seconds: float) -> None:
        """Wait in IDLE until the server reports new mail, we are asked to stop, or it is time to renew IDLE."""
        client.idle()
        started = time.monotonic()
        try:
            while not self.stopping.is_set() and time.monotonic() - started < IDLE_RENEW:
                responses = client.idle_check(timeout=slice_seconds)
                self.context.seen()
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
        finally:
            client.idle_done()

    # -- mail ------------------------------------------------------------------------------------
    def _fetch_new(self, client: IMAPClient, adapter: EmailAdapter, folder: str, uidvalidity: int, last: int) -> int:
        if last:
            # `UID n:*` always matches the highest UID even when it is below n: filter client-side (§7.2 pitfall).
            uids = [uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last]
        else:
            uids = client.search(["UNSEEN"])
        for uid in sorted(uids):
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid) or {}  # PEEK: do not mark \Seen yet
            raw = fetched.get(b"BODY[]")
            if raw:
                self._accept(adapter, parse_email(raw), f"{folder}:{uidvalidity}:{uid}")
            client.add_flags([uid], [SEEN])
            last = max(last, uid)
            self.context.save_cursor({"uidvalidity": uidvalidity, "last_uid": last})
        return last

    def _accept(self, adapter: EmailAdapter, parsed: ParsedEmail, mailbox_key: str) -> None:
        message = inbound_message(
            parsed, thread_id=self._thread_for(parsed), own_address=adapter.address, mailbox_key=mailbox_key
        )
        if parsed.defects:
            logger.info("email %s: %s has MIME defects %s", self.instance.name, mailbox_key, parsed.defects)
        self.context.deliver([message], event_type="email")

    def _thread_for(self, parsed: ParsedEmail) -> str:
        """The conversation a mail belongs to: a thread we know by any referenced id, else its root id (§7.3)."""
        ids = parsed.thread_ids
        if ids:
            ours = (
                OutboundMessage.objects.filter(instance=self.instance, platform_message_id__in=ids)
                .exclude(thread_id="")
                .values_list("thread_id", flat=True)
                .first()
            )
            if ours:
                return str(ours)
            known: dict[str, Any] = dict(
                InboundEvent.objects.filter(instance=self.instance, dedupe_key__in=[f"msgid:{i}" for i in ids])
                .exclude(thread_id="")
                .values_list("dedupe_key", "thread_id")
            )
            for message_id in ids:
                if f"msgid:{message_id}" in known:
                    return str(known[f"msgid:{message_id}"])
            return ids[0]
        return parsed.message_id
