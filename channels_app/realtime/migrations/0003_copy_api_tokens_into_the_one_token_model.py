"""Copy every REST API token into the one token model (same SHA-256 hashes, so the raw tokens keep working)."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations

SCOPES = {"admin": ["admin"], "write": ["write"], "read": ["read"]}


def copy_api_tokens(apps, schema_editor):  # noqa: ANN001, ANN201 - migration signature
    ApiToken = apps.get_model("api", "ApiToken")
    AccessToken = apps.get_model("realtime", "AccessToken")
    taken = set(AccessToken.objects.values_list("user_id", "name"))
    for old in ApiToken.objects.all().order_by("pk"):
        name = old.name
        if (old.user_id, name) in taken:
            name = f"{name}-{old.pk}"[:100]
        taken.add((old.user_id, name))
        copied = AccessToken.objects.create(
            user_id=old.user_id,
            name=name,
            token_hash=old.key_hash,
            prefix=old.key_prefix[:12],
            scopes=SCOPES.get(old.scope, ["read"]),
            enabled=not old.revoked,
            expires_at=old.expires_at,
            revoked_reason="revoked before the token models were unified" if old.revoked else "",
            last_used_at=old.last_used_at,
        )
        AccessToken.objects.filter(pk=copied.pk).update(created_at=old.created_at)


def tie_ops_tokens(apps, schema_editor):  # noqa: ANN001, ANN201 - migration signature
    """/ops/ page tokens were named `ops-<user id>` without a user: tie each to its user (or drop it)."""
    AccessToken = apps.get_model("realtime", "AccessToken")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for token in AccessToken.objects.filter(user__isnull=True, name__startswith="ops-"):
        user_id = token.name.removeprefix("ops-")
        if user_id.isdigit() and User.objects.filter(pk=int(user_id)).exists():
            token.user_id = int(user_id)
            token.name = "ops"
            token.save(update_fields=["user", "name"])
        else:
            token.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0002_token_tied_to_user_expiry_revocation"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_api_tokens, migrations.RunPython.noop),
        migrations.RunPython(tie_ops_tokens, migrations.RunPython.noop),
    ]
