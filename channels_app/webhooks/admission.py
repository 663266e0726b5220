"""Who may talk to a bot: allowed_users, blocked_users, allowed_channels, allowed_domains (email), owner_user_id and
unknown_user_policy, checked at intake.

Lists are ids, or one `${VAR}` holding comma-separated ids (as PraisonAI's onboarding writes them), resolved here at
the moment of use so a changed variable takes effect without a re-import. The known senders are allowed_users plus
the owner; when there are none, everyone is answered (as before these keys existed).
"""

from __future__ import annotations

from gatewaysite.secrets import referenced_variables, resolve_secret


def user_ids(value: object) -> set[str]:
    """The sender ids a list option names: list items, CSV strings and `${VAR}` references all expand to ids."""
    if value in (None, ""):
        return set()
    items = value if isinstance(value, list | tuple | set) else [value]
    ids: set[str] = set()
    for item in items:
        text = str(item)
        if referenced_variables(text):
            text = resolve_secret(text) or ""  # an unset variable names nobody
        ids.update(part.strip() for part in text.split(",") if part.strip())
    return ids


def refusal(options: dict, sender_id: str, chat_id: str = "") -> str:
    """Why this sender is not answered on an instance with these options ('' when it is)."""
    sender = str(sender_id)
    if sender in user_ids(options.get("blocked_users")):
        return "sender in blocked_users"
    chats = user_ids(options.get("allowed_channels"))
    if chats and chat_id and str(chat_id) not in chats:
        return "chat not in allowed_channels"
    owner = str(options.get("owner_user_id") or "").strip()
    if owner and sender == owner:
        return ""
    # Email: a sender whose address is in an allowed domain is known (Agentix's allowed_domains).
    domains = {domain.lower().lstrip("@") for domain in user_ids(options.get("allowed_domains"))}
    if domains and "@" in sender and sender.rpartition("@")[2].lower() in domains:
        return ""
    known = user_ids(options.get("allowed_users")) | ({owner} if owner else set())
    if (not known and not domains) or sender in known:
        return ""
    policy = options.get("unknown_user_policy") or "deny"
    if policy == "allow":
        return ""
    if policy == "pair":
        return "unknown user (unknown_user_policy pair: add the sender to allowed_users to approve)"
    return "sender not in allowed_users"
