"""Who is answered: allowed_users (list, CSV or ${VAR}), blocked_users, owner_user_id and unknown_user_policy."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from channels_app.webhooks.admission import refusal, user_ids
from tests.channels_app.support import body_of, django_headers, fixture, telegram_headers

ALICE = "111111111"  # the sender of tests/fixtures/telegram/update__private_text.json


def test_a_reference_to_comma_separated_ids_is_resolved_when_a_message_arrives(monkeypatch) -> None:
    monkeypatch.setenv("TG_ALLOWED", " 1, 2 ,3")
    assert user_ids("${TG_ALLOWED}") == {"1", "2", "3"}
    assert user_ids(["4", "${TG_ALLOWED}", 5]) == {"1", "2", "3", "4", "5"}
    monkeypatch.delenv("TG_ALLOWED")
    assert user_ids("${TG_ALLOWED}") == set()


def test_the_owner_is_answered_even_when_not_in_allowed_users() -> None:
    options = {"allowed_users": ["1"], "owner_user_id": "42"}
    assert refusal(options, "42") == ""
    assert refusal(options, "1") == ""
    assert refusal(options, "7") == "sender not in allowed_users"


def test_an_owner_alone_makes_everyone_else_unknown() -> None:
    assert refusal({"owner_user_id": "42"}, "7") == "sender not in allowed_users"
    assert refusal({}, "7") == ""


def test_unknown_user_policy_allow_answers_strangers_and_pair_refuses_them_with_a_reason() -> None:
    assert refusal({"allowed_users": ["1"], "unknown_user_policy": "allow"}, "7") == ""
    assert refusal({"allowed_users": ["1"], "unknown_user_policy": "pair"}, "7").startswith("unknown user")


def test_a_blocked_user_is_refused_whatever_the_other_lists_say() -> None:
    assert refusal({"blocked_users": "8,9", "unknown_user_policy": "allow"}, "9") == "sender in blocked_users"
    assert refusal({"blocked_users": ["9"], "owner_user_id": "9"}, "9") == "sender in blocked_users"


@pytest.mark.usefixtures("fast_pipeline")
@pytest.mark.parametrize(
    ("allowed", "answered"),
    [(f"5,{ALICE}", True), ("5,6", False)],
    ids=["alice-in-the-variable", "alice-not-in-it"],
)
def test_a_telegram_dm_is_answered_only_when_the_sender_is_in_the_env_list(
    client, make_instance, fake_telegram, idle, monkeypatch, allowed: str, answered: bool
) -> None:
    monkeypatch.setenv("TG_ALLOWED_USERS", allowed)
    instance = make_instance("telegram", fake_telegram.url, allowed_users="${TG_ALLOWED_USERS}")
    body = body_of(fixture("telegram", "update__private_text"))
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(telegram_headers())
    )
    assert response.status_code == 200
    idle()
    assert len(fake_telegram.messages()) == (1 if answered else 0)
    event = InboundEvent.objects.get()
    assert (event.status, event.error) == (("done", "") if answered else ("ignored", "sender not in allowed_users"))


def test_email_answers_only_allowed_domains_or_allowed_users_when_either_is_set() -> None:
    options = {"allowed_domains": ["example.com"], "allowed_users": ["partner@other.org"]}
    assert refusal(options, "alice@example.com") == ""
    assert refusal(options, "Bob@EXAMPLE.com") == ""
    assert refusal(options, "partner@other.org") == ""
    assert refusal(options, "spam@evil.test") == "sender not in allowed_users"
    assert refusal({"allowed_domains": ["example.com"]}, "spam@evil.test") == "sender not in allowed_users"
    assert refusal({}, "anyone@anywhere.test") == ""


def test_allowed_channels_limits_the_chats_the_bot_answers_in() -> None:
    options = {"allowed_channels": ["C0SUPPORT1"]}
    assert refusal(options, "U1", chat_id="C0SUPPORT1") == ""
    assert refusal(options, "U1", chat_id="C0RANDOM99") == "chat not in allowed_channels"


def test_the_email_example_config_answers_only_its_domain_and_listed_users(db) -> None:
    import io
    from pathlib import Path

    from django.core.management import call_command

    from channels_app.models import ChannelInstance

    example = Path(__file__).resolve().parents[3] / "examples" / "email.yaml"
    call_command("import_gateway_yaml", str(example), stdout=io.StringIO(), stderr=io.StringIO())
    options = ChannelInstance.objects.get(name="email").options
    assert options["allowed_domains"] == ["example.com"]
    assert refusal(options, "customer@example.com") == ""
    assert refusal(options, "partner@supplier.example.org") == ""
    assert refusal(options, "attacker@spoofed.test") == "sender not in allowed_users"
