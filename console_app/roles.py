"""Three roles, as Django groups, and what each may do everywhere (admin, /ops/, REST API, WebSocket).

- viewer: read everything (every `view_*` permission of the gateway's apps), change nothing.
- operator: a viewer who also works conversations: traces, human takeover, web chat, "Run now" on schedules.
- admin: everything: configuration, tokens, users.

A superuser is an admin. A user in no role group has no role: the admin shows them nothing and the API and
/ops/ refuse them. Each role has a ceiling for tokens (`max_scope`): a token never does more than its user's role
allows, whatever scope it was issued with.
"""

from __future__ import annotations

from typing import Any

VIEWER, OPERATOR, ADMIN = "viewer", "operator", "admin"
ROLES = (VIEWER, OPERATOR, ADMIN)
RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
MAX_SCOPE = {VIEWER: "read", OPERATOR: "write", ADMIN: "admin"}

# The operator's own actions, as permissions on routing.Session (they are about conversations and their agents).
OPERATOR_PERMISSIONS = {
    "take_over_session": "Can take over a conversation and answer as a human",
    "use_web_chat": "Can talk to agents in the web chat",
    "run_schedule_now": "Can run a schedule now",
}
VIEWABLE_APPS = (
    "agents_app",
    "channels_app",
    "routing",
    "realtime",
    "listeners",
    "django_celery_beat",
    "console_app",
)
TOKEN_MODELS = {("api", "apitoken"), ("realtime", "accesstoken")}


def role_of(user: Any) -> str | None:
    """The user's highest role, or None (anonymous, inactive, or in no role group)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_gateway_role", "")
    if cached != "":
        return cached
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    role = max(names, key=RANK.__getitem__) if names else None
    user._gateway_role = role
    return role


def has_role(user: Any, needed: str) -> bool:
    """True when the user's role is `needed` or higher."""
    role = role_of(user)
    return role is not None and RANK[role] >= RANK[needed]


def max_scope(user: Any) -> str | None:
    """The most a token of this user may do: read (viewer), write (operator), admin (admin); None without a role."""
    role = role_of(user)
    return MAX_SCOPE[role] if role else None


def clip_scopes(user: Any, scopes: list[str] | tuple[str, ...]) -> list[str]:
    """`scopes` limited to what the user's role allows (admin ⊃ write ⊃ read)."""
    ceiling = max_scope(user)
    if ceiling is None:
        return []
    order = ["read", "write", "admin"]
    limit = order.index(ceiling)
    return [scope for scope in scopes if scope in order and order.index(scope) <= limit]


def assign_role(user: Any, role: str) -> None:
    """Put the user in exactly one role group and give them staff status (the admin's login needs it)."""
    from django.contrib.auth.models import Group

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    group = Group.objects.filter(name=role).first()
    if group is None:  # a database flushed since the migration (transactional tests) lost the groups: make them again
        sync_role_groups()
        group = Group.objects.get(name=role)
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_gateway_role", None)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def sync_role_groups(apps: Any = None) -> None:
    """Create the three groups and give each its permissions (idempotent; used by the migration and post_migrate)."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    session_type, _ = content_type_model.objects.get_or_create(app_label="routing", model="session")
    operator_perms = [
        permission_model.objects.get_or_create(content_type=session_type, codename=code, defaults={"name": name})[0]
        for code, name in OPERATOR_PERMISSIONS.items()
    ]
    everything = list(permission_model.objects.select_related("content_type"))
    views = [
        p
        for p in everything
        if p.codename.startswith("view_")
        and p.content_type.app_label in VIEWABLE_APPS
        and (p.content_type.app_label, p.content_type.model) not in TOKEN_MODELS
    ]
    grants = {VIEWER: views, OPERATOR: views + operator_perms, ADMIN: everything}
    for role, perms in grants.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.add(*perms)


def sync_role_groups_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate: models added since the roles migration get their permissions in the groups too."""
    if getattr(sender, "label", "") != "console_app":
        return
    from django.db import DEFAULT_DB_ALIAS

    if kwargs.get("using", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    sync_role_groups()
