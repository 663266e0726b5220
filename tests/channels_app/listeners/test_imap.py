"""Email end to end against real servers on 127.0.0.1: pymap (IMAP, in a subprocess) and aiosmtpd (SMTP)."""

from __future__ import annotations

import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from agents_app.models import Agent
from channels_app.listeners import supervisor
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule, Session
from tests.channels_app.listeners.conftest import wait_for
from tests.fakes.fake_imap import FakeImap
from tests.fakes.fake_smtp import FakeSmtp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

AGENT_ADDRESS = "agent@acme.example"


@pytest.fixture(scope="module")
def imap_server():
    server = FakeImap(user=AGENT_ADDRESS).start()
    yield server
    server.stop()


@pytest.fixture
def imap(imap_server):
    imap_server.empty()
    return imap_server


@pytest.fixture
def smtp():
    with FakeSmtp(username=AGENT_ADDRESS) as server:
        yield server


@pytest.fixture
def mail_instance(fast_listeners, imap, smtp):
    fast_listeners.GATEWAY_DISPATCH = "embedded"  # replies in this process, whatever REDIS_URL says
    instance = ChannelInstance.objects.create(
        name="support-mail",
        platform="email",
        credentials={
            "imap_host": "127.0.0.1",
            "imap_port": str(imap.port),
            "smtp_host": "127.0.0.1",
            "smtp_port": str(smtp.port),
            "username": AGENT_ADDRESS,
            "password": imap.password,
        },
        options={"security": "none", "idle_check_interval": 0.2, "poll_interval": 0.2},
    )
    # The SMTP fake checks its own password: one mailbox login for both servers, as with most providers.
    smtp.password = imap.password
    agent = Agent.objects.create(name="support", model="echo")
    RoutingRule.objects.create(instance=instance, context="default", agent=agent)
    return instance


def customer_mail(
    text: str,
    *,
    subject: str = "Invoice 1042 looks wrong",
    reply_to: EmailMessage | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice Ng <alice@customer.example>"
    msg["To"] = AGENT_ADDRESS
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="mail.customer.example")
    if reply_to is not None:
        msg["In-Reply-To"] = reply_to["Message-ID"]
        refs = str(reply_to.get("References", "")).split() + [reply_to["Message-ID"]]
        msg["References"] = " ".join(refs)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    return msg


def start():
    stop = threading.Event()
    return stop, supervisor.start(stop, only=["support-mail"])


def test_a_new_mail_gets_a_threaded_reply_and_a_reply_continues_the_session(mail_instance, imap, smtp):
    first = customer_mail("Hi,\n\nInvoice 1042 charges us twice for March.\n\nThanks,\nAlice")
    imap.deliver(first.as_bytes())
    stop, sup = start()
    try:
        [reply] = smtp.wait_for(1)
        assert reply["In-Reply-To"] == first["Message-ID"]
        assert reply["References"] == first["Message-ID"]
        assert reply["Subject"] == "Re: Invoice 1042 looks wrong"
        assert reply["To"] == "alice@customer.example"
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply.get_content_type() == "multipart/alternative"
        plain, html = [part.get_content_type() for part in reply.iter_parts()]
        assert (plain, html) == ("text/plain", "text/html")
        assert "charges us twice" in reply.get_body(("plain",)).get_content()
        assert smtp.envelopes[0] == (AGENT_ADDRESS, ["alice@customer.example"])

        # Alice answers our reply, quoting it: the new text only reaches the agent, in the same session.
        answer = customer_mail(
            "It is the March line.\n\nOn Thu, 1 Jan 2026 at 09:02, Acme Agent <agent@acme.example> wrote:\n> quoted",
            subject=f"RE: {reply['Subject']}",
            reply_to=reply,
        )
        imap.deliver(answer.as_bytes())
        second = smtp.wait_for(2)[1]
        assert second["In-Reply-To"] == answer["Message-ID"]
        assert second["References"].split() == [first["Message-ID"], reply["Message-ID"], answer["Message-ID"]]
        assert second["Subject"] == "RE: Re: Invoice 1042 looks wrong"
        body = second.get_body(("plain",)).get_content()
        assert "It is the March line." in body and "quoted" not in body
        assert Session.objects.count() == 1
        events = InboundEvent.objects.order_by("id")
        assert {e.thread_id for e in events} == {first["Message-ID"]}
        wait_for(lambda: imap.flags() and all(b"\\Seen" in flags for flags in imap.flags().values()), what="\\Seen")
    finally:
        stop.set()
        sup.join(5)


def test_an_auto_reply_gets_no_answer(mail_instance, imap, smtp):
    out_of_office = customer_mail(
        "I am out of the office until 5 January.",
        subject="Automatic reply: Invoice",
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    imap.deliver(out_of_office.as_bytes())
    imap.deliver(customer_mail("A real question").as_bytes())
    stop, sup = start()
    try:
        [reply] = smtp.wait_for(1)
        assert "A real question" in reply.get_body(("plain",)).get_content()
        ignored = InboundEvent.objects.get(dedupe_key=f"msgid:{out_of_office['Message-ID']}")
        assert ignored.status == "ignored" and "Auto-Submitted" in ignored.error
    finally:
        stop.set()
        sup.join(5)
    assert len(smtp.messages) == 1


def test_a_restart_does_not_answer_old_mail_again(mail_instance, imap, smtp):
    imap.deliver(customer_mail("First question").as_bytes())
    stop, sup = start()
    smtp.wait_for(1)
    wait_for(lambda: ListenerState.objects.get().cursor.get("last_uid"), what="cursor saved")
    stop.set()
    sup.join(5)

    # Forget the cursor too, as after a UIDVALIDITY change: the Message-ID dedupe still holds.
    ListenerState.objects.update(cursor={})
    with imap.client() as client:
        client.select_folder("INBOX")
        client.remove_flags(client.search(["ALL"]), [b"\\Seen"])
    imap.deliver(customer_mail("Second question").as_bytes())
    stop, sup = start()
    try:
        messages = smtp.wait_for(2)
        wait_for(lambda: InboundEvent.objects.count() == 2, what="two events")
    finally:
        stop.set()
        sup.join(5)
    bodies = [m.get_body(("plain",)).get_content() for m in smtp.messages]
    assert len(messages) == 2 and "First question" in bodies[0] and "Second question" in bodies[1]


def test_polling_works_when_idle_is_switched_off(mail_instance, imap, smtp):
    ChannelInstance.objects.filter(pk=mail_instance.pk).update(options={**mail_instance.options, "use_idle": False})
    stop, sup = start()
    try:
        wait_for(lambda: ListenerState.objects.filter(status="running").exists(), what="listener up")
        imap.deliver(customer_mail("Polled question").as_bytes())
        [reply] = smtp.wait_for(1)
        assert "Polled question" in reply.get_body(("plain",)).get_content()
    finally:
        stop.set()
        sup.join(5)


def test_a_wrong_password_fails_the_listener_without_logging_the_secret(mail_instance, imap, smtp):
    ChannelInstance.objects.filter(pk=mail_instance.pk).update(
        credentials={**mail_instance.credentials, "password": "wrong-secret-123"}
    )
    stop, sup = start()
    try:
        wait_for(lambda: ListenerState.objects.filter(status="failed").exists(), what="failed listener")
        state = ListenerState.objects.get()
        assert "login refused" in state.last_error and "wrong-secret-123" not in state.last_error
    finally:
        stop.set()
        sup.join(5)
