"""`manage.py gateway_channels [--config PATH]`: channel instances, their routing, and whether credentials resolve."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.models import ChannelInstance
from channels_app.platforms import get_platform
from gatewaysite.secrets import resolve_secret
from routing.yaml_config.formats import translate
from routing.yaml_config.issues import ConfigError
from routing.yaml_config.loader import load_yaml
from routing.yaml_config.validate import validate_config


def credential_states(platform: str, credentials: dict[str, str]) -> str:
    """'token=set app_token=UNSET(${SLACK_APP_TOKEN})': an unset ${VAR} is not "set"."""
    spec = get_platform(platform)
    states = []
    for key in spec.credential_keys if spec else credentials:
        value = credentials.get(key)
        if not value:
            continue
        state = "set" if resolve_secret(value) is not None else f"UNSET({value})"
        states.append(f"{key}={state}")
    return " ".join(states) or "-"


class Command(BaseCommand):
    help = "List channel instances with platform, routing and credential status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", help="read a gateway.yaml instead of the database")

    def handle(self, *args: object, **options: object) -> None:
        rows: list[tuple[str, str, str, str, str]] = []
        if options.get("config"):
            try:
                config, _ = validate_config(
                    translate(load_yaml(Path(str(options["config"])).read_text(encoding="utf-8")))[0]
                )
            except OSError as exc:
                raise CommandError(f"{options['config']}: cannot read: {exc.strerror}") from exc
            except ConfigError as exc:
                raise CommandError(str(exc)) from exc
            for channel in config.channels.values():
                routing = ", ".join(f"{c}→{a}" for c, a in channel.routing.items()) or "-"
                enabled = "yes" if channel.enabled else "no"
                rows.append(
                    (
                        channel.name,
                        channel.platform,
                        enabled,
                        routing,
                        credential_states(channel.platform, channel.credentials),
                    )
                )
        else:
            for instance in ChannelInstance.objects.prefetch_related("routing_rules__agent"):
                routing = ", ".join(f"{r.context}→{r.agent.name}" for r in instance.routing_rules.all()) or "-"
                enabled = "yes" if instance.enabled else "no"
                rows.append(
                    (
                        instance.name,
                        instance.platform,
                        enabled,
                        routing,
                        credential_states(instance.platform, instance.credentials),
                    )
                )
        header = ("NAME", "PLATFORM", "ENABLED", "ROUTING", "CREDENTIALS")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
